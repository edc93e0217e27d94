package io.inrank.inference.service;

import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.ServedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serving metrics (Prometheus names): {@code llm_requests_total{endpoint,outcome}}, {@code llm_request_duration_seconds},
 * {@code llm_ttft_seconds} (time to first token), {@code llm_inter_token_latency_seconds}, {@code llm_prompt_tokens},
 * {@code llm_generated_tokens}, {@code llm_queue_size}, {@code llm_batch_size}, {@code llm_requests_in_flight} (of {@code llm_requests_max_concurrent}), {@code llm_model_step},
 * {@code llm_model_rank{layer}}, {@code llm_model_parameters}, {@code llm_model_load_failures_total},
 * {@code llm_decode_steps_total}, {@code llm_decode_rows_total}, {@code llm_prefill_rows_total}.
 */
@ApplicationScoped
public class ServeMetrics {
    @Inject
    MeterRegistry registry;

    private final AtomicLong step = new AtomicLong(-1), params = new AtomicLong();
    private final Map<String, AtomicLong> ranks = new ConcurrentHashMap<>();

    void bind(ModelService s) {
        // a restarted application in the same JVM (tests) would otherwise keep the previous instance's meters
        for (String name : new String[] {
            "llm.queue.size",
            "llm.batch.size",
            "llm.requests.in.flight",
            "llm.requests.max.concurrent",
            "llm.decode.steps",
            "llm.decode.rows",
            "llm.prefill.rows",
            "llm.model.step",
            "llm.model.parameters",
            "llm.model.rank"
        }) {
            registry.find(name).meters().forEach(registry::remove);
        }
        registry.gauge("llm.queue.size", s, x -> x.engine().queued());
        registry.gauge("llm.batch.size", s, x -> x.engine().active());
        registry.gauge("llm.requests.in.flight", s, x -> x.engine().inFlight());
        registry.gauge("llm.requests.max.concurrent", s, x -> x.engine().maxConcurrent());
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "llm.decode.steps", s, x -> x.engine().steps())
                .description("batched decode steps")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "llm.decode.rows", s, x -> x.engine().rows())
                .description("sequence-tokens advanced by decode steps (rows / steps = mean batch size)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "llm.prefill.rows", s, x -> x.engine().prefillRows())
                .description("prompt tokens fed in prefill chunks (several per weight pass)")
                .register(registry);
        registry.gauge("llm.model.step", step);
        registry.gauge("llm.model.parameters", params);
        // event meters exist from the start (at 0): increase()/rate() and alerts then see the first event
        loadFailures();
        latency("llm.request.duration");
        latency("llm.ttft");
        latency("llm.inter.token.latency");
        DistributionSummary.builder("llm.prompt.tokens").register(registry);
        DistributionSummary.builder("llm.generated.tokens").register(registry);
    }

    private Counter loadFailures() {
        return Counter.builder("llm.model.load.failures")
                .description("checkpoints refused")
                .register(registry);
    }

    private Timer latency(String name) {
        return Timer.builder(name).publishPercentileHistogram().register(registry);
    }

    void loaded(ServedModel m) {
        step.set(m.step());
        params.set(m.parameters());
        m.ranks()
                .forEach((layer, k) -> ranks.computeIfAbsent(
                                layer, l -> registry.gauge("llm.model.rank", Tags.of("layer", l), new AtomicLong()))
                        .set(k));
    }

    void loadFailed() {
        loadFailures().increment();
    }

    public void outcome(String endpoint, String outcome) {
        Counter.builder("llm.requests")
                .tags("endpoint", endpoint, "outcome", outcome)
                .register(registry)
                .increment();
    }

    public void finished(String endpoint, Generation.Result r) {
        outcome(endpoint, r.finish() == Generation.Finish.CANCELLED ? "cancelled" : "success");
        latency("llm.request.duration").record(r.totalNanos(), TimeUnit.NANOSECONDS);
        if (r.firstTokenNanos() > 0) latency("llm.ttft").record(r.firstTokenNanos(), TimeUnit.NANOSECONDS);
        if (r.tokens().length > 1) {
            latency("llm.inter.token.latency")
                    .record((r.totalNanos() - r.firstTokenNanos()) / (r.tokens().length - 1), TimeUnit.NANOSECONDS);
        }
        DistributionSummary.builder("llm.prompt.tokens").register(registry).record(r.promptTokens());
        DistributionSummary.builder("llm.generated.tokens").register(registry).record(r.tokens().length);
    }
}
