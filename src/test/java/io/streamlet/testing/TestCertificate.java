package io.streamlet.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A self-signed certificate for 127.0.0.1 and localhost in a PKCS12 keystore, made by the JDK's {@code keytool}
 * on first use and kept in the build directory ({@code mvn clean} removes it). Clients must not verify it
 * ({@code curl -k}, Chromium's {@code --ignore-certificate-errors}).
 */
public record TestCertificate(Path keystore, String password) {
    private static final String PASSWORD = "streamlet-test";
    private static TestCertificate made;

    public static synchronized TestCertificate selfSigned() throws IOException, InterruptedException {
        if (made == null) made = new TestCertificate(make(), PASSWORD);
        return made;
    }

    private static Path make() throws IOException, InterruptedException {
        Path keystore = buildDirectory().resolve("tls").resolve("streamlet-test.p12");
        if (Files.exists(keystore)) return keystore;
        Files.createDirectories(keystore.getParent());
        Path partial = keystore.resolveSibling("streamlet-test.p12.part");
        Files.deleteIfExists(partial); // keytool adds to an existing keystore instead of making a new one
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        ExternalTools.Result result = ExternalTools.run(List.of(keytool, "-genkeypair", "-keystore", partial.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-alias", "streamlet", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "30", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost"), 60);
        if (result.exitCode() != 0) throw new IOException("keytool failed: " + result.output());
        return Files.move(partial, keystore, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The folder that holds the test classes' folder: the build directory. */
    private static Path buildDirectory() {
        try {
            return Path.of(TestCertificate.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
