package io.streamlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's "How it is built" table is the layering: a package imports only packages of its own row or of the
 * rows above it. Read from the README, so the table and the code cannot drift apart.
 */
class LayeringTest {
    private static final Path SOURCES = Path.of("src/main/java/io/streamlet");
    private static final Pattern PACKAGE_NAME = Pattern.compile("`([a-z0-9.]+)`");
    private static final Pattern STREAMLET_IMPORT = Pattern.compile("^import (?:static )?io\\.streamlet\\.([\\w.]+);", Pattern.MULTILINE);

    @Test
    void everyPackageImportsOnlyItsOwnLayerOrLowerOnes() throws IOException {
        Map<String, Integer> layerOf = layersFromReadme();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String own = packageOf(SOURCES.relativize(file.getParent()).toString().replace('/', '.'));
                assertTrue(layerOf.containsKey(own), "package " + own + " is in no row of the README's layer table");
                Matcher m = STREAMLET_IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String imported = importedPackage(m.group(1), layerOf);
                    if (layerOf.get(imported) > layerOf.get(own)) {
                        violations.add(file + " (" + own + ") imports " + m.group(1) + " (" + imported + ", a higher layer)");
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    /** Package name to row number, from the table under "How it is built"; {@code io.streamlet} itself is "". */
    private static Map<String, Integer> layersFromReadme() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int header = lines.indexOf("| layer | packages | what is there |");
        assertTrue(header >= 0, "README.md has the layer table");
        Map<String, Integer> layerOf = new HashMap<>();
        for (int row = header + 2; row < lines.size() && lines.get(row).startsWith("|"); row++) {
            Matcher names = PACKAGE_NAME.matcher(lines.get(row).split("\\|")[2]);
            while (names.find()) layerOf.put(packageOf(names.group(1)), row);
        }
        return layerOf;
    }

    private static String packageOf(String name) {
        return name.equals("io.streamlet") ? "" : name;
    }

    /** The longest known package that {@code name} (a class or a static member under io.streamlet) is in. */
    private static String importedPackage(String name, Map<String, Integer> layerOf) {
        String[] parts = name.split("\\.");
        for (int n = parts.length - 1; n > 0; n--) {
            String candidate = String.join(".", Arrays.copyOf(parts, n));
            if (layerOf.containsKey(candidate)) return candidate;
        }
        return "";
    }
}
