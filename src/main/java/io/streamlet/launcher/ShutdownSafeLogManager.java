package io.streamlet.launcher;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, except that the JVM's shutdown does not close its handlers. The JDK closes them
 * in a shutdown hook of its own, which runs at the same time as the one that stops the server; the
 * webapp's stop lines would then go nowhere. Handlers write each line as it comes, so nothing is lost by
 * leaving them open. (Tomcat's own log manager does the same.)
 */
public final class ShutdownSafeLogManager extends LogManager {
    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) return;
        super.reset();
    }
}
