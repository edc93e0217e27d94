package io.inrank.model.backend;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * The conformance suites (every kernel, then whole training steps, resize and decoding) and the PyTorch golden-file
 * parity as a plain program, for a machine without Maven, run from the repository root or the model module (the
 * golden files are read from the working tree): {@code INRANK_CONFORMANCE_BACKENDS=cuda java -cp …
 * io.inrank.model.backend.ConformanceMain}.
 * The suites print their per-op error table; this prints JUnit's summary and failures and exits 1 if any test failed
 * (0 tests found is a failure too).
 */
public final class ConformanceMain {
    private ConformanceMain() {}

    public static void main(String[] args) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(
                        selectClass(KernelConformanceTest.class),
                        selectClass(ModelConformanceTest.class),
                        selectClass("io.inrank.model.TorchParityTest"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(request, summary);
        PrintWriter out = new PrintWriter(System.out, true);
        summary.getSummary().printTo(out);
        summary.getSummary().printFailuresTo(out, 20);
        long run = summary.getSummary().getTestsSucceededCount()
                + summary.getSummary().getTestsFailedCount();
        System.exit(summary.getSummary().getTotalFailureCount() == 0 && run > 0 ? 0 : 1);
    }
}
