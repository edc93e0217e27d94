package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.protocol.PipelineService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * protocol's {@link PipelineService} against the build: its services are exactly the modules the Quarkus plugin packages (the
 * launcher finds them that way), the cli and k8s modules declare a dependency on each (so the build makes them first),
 * and every {@link PipelineService.Tool} is a main class in its service's sources. A renamed main class or a new service fails
 * here, not at a user's first {@code ./inrank}.
 */
class ServiceDescriptorTest {
    static final Path ROOT = ArchitectureTest.ROOT;

    @Test
    void theServicesAreTheModulesQuarkusPackages() throws IOException {
        Set<String> packaged = new TreeSet<>();
        for (String module : modules()) {
            if (pom(module).contains("<artifactId>quarkus-maven-plugin</artifactId>")) packaged.add(module);
        }
        assertEquals(described(), packaged);
    }

    @Test
    void theLaunchingModulesDependOnEveryService() throws IOException {
        for (String launcher : new String[] {"cli", "k8s"}) {
            Set<String> declared = new TreeSet<>();
            Matcher m = Pattern.compile(
                            "<artifactId>([a-z0-9-]+)</artifactId>\\s*<version>[^<]*</version>\\s*<type>pom</type>")
                    .matcher(pom(launcher));
            while (m.find()) declared.add(m.group(1));
            assertEquals(described(), declared, launcher + "/pom.xml: the services it depends on (as poms)");
        }
    }

    @Test
    void everyToolIsAMainClassOfItsService() throws IOException {
        for (PipelineService.Tool tool : PipelineService.Tool.values()) {
            Path source = ROOT.resolve(tool.service().module())
                    .resolve("src/main/java")
                    .resolve(tool.mainClass().replace('.', '/') + ".java");
            assertTrue(Files.isRegularFile(source), tool + ": no " + source);
            assertTrue(
                    Files.readString(source).contains("public static void main(String[] "),
                    tool + ": " + source + " has no main method");
        }
    }

    @Test
    void theAppLivesInTheModulesBuildDirectory() {
        Path checkout = Path.of("/checkout");
        for (PipelineService s : PipelineService.values()) {
            assertEquals(checkout.resolve(s.module()).resolve("target/quarkus-app/quarkus-run.jar"), s.jar(checkout));
            assertEquals(s, PipelineService.of(s.module()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipelineService.of("kafka"));
        assertTrue(e.getMessage().contains("no service kafka"), e.getMessage());
    }

    private static Set<String> described() {
        return Arrays.stream(PipelineService.values())
                .map(PipelineService::module)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> modules() throws IOException {
        Set<String> modules = new TreeSet<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (m.find()) modules.add(m.group(1));
        return modules;
    }

    private static String pom(String module) throws IOException {
        return Files.readString(ROOT.resolve(module).resolve("pom.xml"));
    }
}
