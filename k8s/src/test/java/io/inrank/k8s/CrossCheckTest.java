package io.inrank.k8s;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.inrank.protocol.PipelineService;
import io.inrank.protocol.TopicSpec;
import io.inrank.protocol.Topics;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The manifests against each other and against the services: selectors, ports, env names, topics, security, GPUs. */
class CrossCheckTest {
    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu", "runs/run-2", "runs/data-parallel"})
    void everyPodIsRestrictedNonRootWithLimits(String dir) {
        Rendered r = Rendered.of(dir);
        r.podTemplates().forEach((w, t) -> {
            PodSpec s = t.getSpec();
            assertTrue(s.getHostNetwork() == null || !s.getHostNetwork(), w + " hostNetwork");
            assertEquals(Boolean.TRUE, s.getSecurityContext().getRunAsNonRoot(), w + " runAsNonRoot");
            assertNotEquals(0L, s.getSecurityContext().getRunAsUser(), w + " runs as root");
            assertEquals(
                    "RuntimeDefault", s.getSecurityContext().getSeccompProfile().getType(), w + " seccomp");
            for (Volume v : s.getVolumes()) assertNull(v.getHostPath(), w + " hostPath volume " + v.getName());
            for (Container c : s.getContainers()) {
                String at = w + "/" + c.getName();
                var sc = c.getSecurityContext();
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), at + " allowPrivilegeEscalation");
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), at + " capabilities");
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), at + " readOnlyRootFilesystem");
                assertTrue(sc.getPrivileged() == null || !sc.getPrivileged(), at + " privileged");
                for (String res : List.of("cpu", "memory")) {
                    assertNotNull(c.getResources().getLimits().get(res), at + " limits." + res);
                    assertNotNull(c.getResources().getRequests().get(res), at + " requests." + res);
                    assertTrue(
                            Quantity.getAmountInBytes(c.getResources()
                                                    .getRequests()
                                                    .get(res))
                                            .compareTo(Quantity.getAmountInBytes(
                                                    c.getResources().getLimits().get(res)))
                                    <= 0,
                            at + " requests <= limits for " + res);
                }
                assertTrue(
                        c.getImage().matches("[^:]+:[^:]+") && !c.getImage().endsWith(":latest"),
                        at + " image pinned: " + c.getImage());
            }
        });
    }

    @Test
    void everyServiceListensWhereItsDescriptorSays() {
        for (PipelineService s : PipelineService.values())
            assertEquals(s, ServiceConfig.of(s).service());
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu"})
    void probesPortsAndEnvMatchTheServices(String dir) {
        Rendered r = Rendered.of(dir);
        r.podTemplates().forEach((w, t) -> {
            String component = t.getMetadata().getLabels().get("app.kubernetes.io/component");
            ServiceConfig svc =
                    ServiceConfig.of(PipelineService.of(Objects.requireNonNull(component, w + ": no component")));
            Container c = t.getSpec().getContainers().get(0);
            Map<String, String> env = r.env(c);
            int http = port(c, "http");
            assertEquals(
                    svc.port(env),
                    http,
                    w + ": the container's http port is where " + svc.module() + " listens (" + svc.portEnv() + ")");
            for (String name : env.keySet()) {
                assertTrue(
                        svc.env().contains(name),
                        w + ": env " + name + " is not read by " + svc.module() + " (it reads " + svc.env() + ")");
            }
            boolean longRunning = r.all(Deployment.class).stream()
                    .anyMatch(d -> d.getMetadata().getName().equals(w));
            if (longRunning) probe(w, c.getReadinessProbe(), "/q/health/ready");
            if (longRunning || component.equals("trainer")) probe(w, c.getLivenessProbe(), "/q/health/live");
            // how it reaches and logs in to Kafka: KafkaAccessTest
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu"})
    void servicesMonitorsAutoscalerAndPoliciesSelectRealPods(String dir) {
        Rendered r = Rendered.of(dir);
        Map<String, PodTemplateSpec> pods = r.podTemplates();
        for (Service s : r.all(Service.class)) {
            List<PodTemplateSpec> sel = selected(pods, s.getSpec().getSelector(), null);
            assertFalse(sel.isEmpty(), "Service " + s.getMetadata().getName() + " selects no pod");
            for (var p : s.getSpec().getPorts())
                for (PodTemplateSpec t : sel)
                    port(t.getSpec().getContainers().get(0), p.getTargetPort().getStrVal());
        }
        for (PodMonitor m : r.all(PodMonitor.class)) {
            List<PodTemplateSpec> sel = selected(
                    pods,
                    m.getSpec().getSelector().getMatchLabels(),
                    m.getSpec().getSelector());
            assertFalse(sel.isEmpty(), "PodMonitor " + m.getMetadata().getName() + " selects no pod");
            for (var e : m.getSpec().getPodMetricsEndpoints()) {
                assertEquals("/q/metrics", e.getPath(), m.getMetadata().getName());
                for (PodTemplateSpec t : sel) port(t.getSpec().getContainers().get(0), e.getPort());
            }
        }
        Set<String> monitored = new TreeSet<>();
        for (PodMonitor m : r.all(PodMonitor.class))
            monitored.add(m.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/name"));
        for (PodTemplateSpec t : pods.values())
            assertTrue(
                    monitored.contains(t.getMetadata().getLabels().get("app.kubernetes.io/name")),
                    t.getMetadata().getLabels() + " has a PodMonitor");
        for (HorizontalPodAutoscaler h : r.all(HorizontalPodAutoscaler.class)) {
            Deployment d =
                    r.one(Deployment.class, h.getSpec().getScaleTargetRef().getName());
            assertNotNull(
                    d.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getResources()
                            .getRequests()
                            .get("cpu"),
                    "HPA on CPU needs a CPU request");
        }
        for (NetworkPolicy p : r.all(NetworkPolicy.class)) {
            LabelSelector s = p.getSpec().getPodSelector();
            List<PodTemplateSpec> sel = selected(pods, s.getMatchLabels(), s);
            assertFalse(sel.isEmpty(), "NetworkPolicy " + p.getMetadata().getName() + " selects no pod");
            if (p.getSpec().getIngress() == null) continue;
            for (var rule : p.getSpec().getIngress()) {
                for (var port : rule.getPorts()) {
                    int n = port.getPort().getIntVal();
                    assertTrue(
                            sel.stream()
                                    .anyMatch(t -> t.getSpec().getContainers().get(0).getPorts().stream()
                                            .anyMatch(cp -> cp.getContainerPort() == n)),
                            p.getMetadata().getName() + " opens port " + n + " that no selected pod listens on");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu"})
    void topicsAreTheProtocolsAndTheDataFlowFitsTogether(String dir) throws Exception {
        Rendered r = Rendered.of(dir);
        Kafka kafka = r.all(Kafka.class).get(0);
        Map<String, String> ingest = r.env(container(r, "inrank-data-ingest")),
                train = r.env(container(r, "inrank-trainer")),
                serve = r.env(container(r, "inrank-inference"));
        List<String> args = container(r, "inrank-data-ingest").getArgs();
        String dataset = args.contains("--dataset")
                ? args.get(args.indexOf("--dataset") + 1)
                : args.contains("--download") ? "wikitext-103" : args.get(args.indexOf("--source") + 1);
        assertEquals(dataset, train.get("INRANK_TRAIN_DATASET"), "the trainer reads what the ingest writes");
        assertEquals(
                args.get(args.indexOf("--block-length") + 1),
                train.get("INRANK_TRAIN_SEQ"),
                "block length = sequence length");
        assertEquals(
                train.get("INRANK_TRAIN_RUN"), serve.get("INRANK_SERVE_RUN"), "the server follows the overlay's run");

        Set<String> want = new TreeSet<>(fixedTopics());
        for (String split : List.of("train", "validation", "test")) want.add(Topics.tokens("wikitext-103", split));
        for (String split : List.of("train", "validation", "test")) want.add(Topics.tokens(dataset, split));
        Set<String> have = new TreeSet<>();
        for (KafkaTopic t : r.all(KafkaTopic.class)) {
            have.add(
                    t.getSpec().getTopicName() != null
                            ? t.getSpec().getTopicName()
                            : t.getMetadata().getName());
            assertEquals(
                    kafka.getMetadata().getName(),
                    t.getMetadata().getLabels().get("strimzi.io/cluster"),
                    t.getMetadata().getName());
            TopicSpec spec = declared(
                    t.getSpec().getTopicName() != null
                            ? t.getSpec().getTopicName()
                            : t.getMetadata().getName());
            assertEquals(spec.partitions(), t.getSpec().getPartitions(), spec.name() + ": partitions");
            Map<String, String> config = new TreeMap<>();
            t.getSpec().getConfig().forEach((k, v) -> config.put(k, String.valueOf(v)));
            assertEquals(new TreeMap<>(spec.configs()), config, spec.name() + ": config = the protocol's TopicSpec");
        }
        assertEquals(want, have, "KafkaTopics = the protocol's topics");

        // checkpoints: the trainer writes where the claim is mounted; inference mounts the same claim read-only
        Job trainer = r.one(Job.class, "inrank-trainer");
        String claim = mountClaim(trainer.getSpec().getTemplate(), train.get("INRANK_TRAIN_CHECKPOINT_DIR"), false);
        String served =
                mountClaim(r.one(Deployment.class, "inrank-inference").getSpec().getTemplate(), "/checkpoints", true);
        assertEquals(claim, served, "one checkpoint volume");
    }

    @Test
    void theGpuOverlayPutsTheTrainerAndTheServerOnGpus() {
        Rendered gpu = Rendered.of("overlays/gpu"), local = Rendered.of("overlays/local");
        PodTemplateSpec t = gpu.one(Job.class, "inrank-trainer").getSpec().getTemplate();
        Container c = t.getSpec().getContainers().get(0);
        assertEquals("1", c.getResources().getLimits().get("nvidia.com/gpu").getAmount(), "one GPU, in limits");
        assertTrue(c.getImage().endsWith("-cuda"), "the CUDA build of the trainer: " + c.getImage());
        assertTrue(
                t.getSpec().getTolerations().stream().anyMatch(x -> "nvidia.com/gpu".equals(x.getKey())),
                "tolerates GPU taints");
        assertEquals("true", t.getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
        // the trainer trains with the CUDA backend in bf16 (not ND4J's CUDA build, which has no Hopper kernels)
        Map<String, String> env = gpu.env(c);
        assertEquals("cuda", env.get("INRANK_TRAIN_BACKEND"), "the gpu overlay selects the cuda backend");
        assertEquals("bf16", env.get("INRANK_TRAIN_PRECISION"), "bf16 mixed precision on the GPU");
        assertEquals(
                "fp32",
                local.env(local.one(Job.class, "inrank-trainer")
                                .getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0))
                        .getOrDefault("INRANK_TRAIN_PRECISION", "fp32"));
        String dockerfile = Rendered.read(Rendered.K8S.resolve("images/Dockerfile.cuda"));
        assertTrue(dockerfile.contains("FROM nvidia/cuda:13."), "a CUDA 13 runtime base image:\n" + dockerfile);
        assertTrue(dockerfile.contains("INRANK_BACKEND=cuda"), dockerfile);
        assertFalse(
                Rendered.read(Rendered.K8S.resolve("../model/pom.xml")).contains("nd4j-cuda"),
                "ND4J's CUDA build is not used any more");
        // the server: its CUDA image on one GPU per replica, decoding with the cuda backend
        PodTemplateSpec s =
                gpu.one(Deployment.class, "inrank-inference").getSpec().getTemplate();
        Container sc = s.getSpec().getContainers().get(0);
        assertEquals("1", sc.getResources().getLimits().get("nvidia.com/gpu").getAmount(), "one GPU per server");
        assertTrue(sc.getImage().endsWith("-cuda"), "the CUDA build of the server: " + sc.getImage());
        assertEquals("true", s.getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
        assertTrue(s.getSpec().getTolerations().stream().anyMatch(x -> "nvidia.com/gpu".equals(x.getKey())));
        Map<String, String> serveEnv = gpu.env(sc);
        assertEquals("cuda", serveEnv.get("INRANK_SERVE_BACKEND"), "the gpu overlay serves with the cuda backend");
        assertEquals("bf16", serveEnv.get("INRANK_SERVE_PRECISION"));
        assertTrue(dockerfile.contains("ARG MODULE=trainer"), "one CUDA Dockerfile for trainer and server");
        for (Rendered r : List.of(gpu, local)) {
            r.podTemplates().forEach((w, p) -> {
                if (r == gpu && (w.equals("inrank-trainer") || w.equals("inrank-inference"))) return;
                assertNull(
                        p.getSpec()
                                .getContainers()
                                .get(0)
                                .getResources()
                                .getLimits()
                                .get("nvidia.com/gpu"),
                        r.name + "/" + w + " asks for a GPU");
            });
        }
    }

    /**
     * Each workload signs or checks with the key of the run it is about: a trainer's INRANK_TRAIN_RUN_KEY and a server's
     * INRANK_SERVE_RUN_KEY come from the run-keys Secret under their own run id, the controller gets the master, and no
     * container has an env name twice (a list-index patch once duplicated INRANK_TRAIN_RUN and dropped run-2's Kafka
     * login, and the first of two equal names is not the one Kubernetes uses).
     */
    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu", "runs/run-2", "runs/data-parallel"})
    void everyWorkloadHasItsOwnRunsKey(String dir) {
        Rendered r = Rendered.of(dir);
        for (HasMetadata o : r.objects) {
            PodTemplateSpec t = o instanceof Job j
                    ? j.getSpec().getTemplate()
                    : o instanceof Deployment d ? d.getSpec().getTemplate() : null;
            if (t == null) continue;
            for (Container c : t.getSpec().getContainers()) {
                List<String> names = c.getEnv() == null
                        ? List.of()
                        : c.getEnv().stream().map(e -> e.getName()).toList();
                assertEquals(
                        new TreeSet<>(names).size(),
                        names.size(),
                        o.getMetadata().getName() + ": " + names);
            }
        }
        for (Job j : r.all(Job.class)) {
            Container c = j.getSpec().getTemplate().getSpec().getContainers().get(0);
            if (!c.getName().equals("trainer")) continue;
            String run = envValue(c, "INRANK_TRAIN_RUN");
            assertEquals(
                    "inrank-run-keys/" + run,
                    secretRef(c, "INRANK_TRAIN_RUN_KEY"),
                    j.getMetadata().getName());
            assertEquals("trainer/sasl.jaas.config", secretRef(c, "KAFKA_SASL_JAAS_CONFIG"), "its Kafka login");
            assertEquals(
                    run, j.getSpec().getTemplate().getMetadata().getLabels().get("inrank.io/run"));
        }
        for (Deployment d : r.all(Deployment.class)) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            if (d.getMetadata().getName().equals("inrank-inference")) {
                assertEquals(
                        "inrank-run-keys/" + envValue(c, "INRANK_SERVE_RUN"), secretRef(c, "INRANK_SERVE_RUN_KEY"));
                assertEquals("/checkpoints", envValue(c, "INRANK_SERVE_CHECKPOINT_ROOT"));
            }
            if (d.getMetadata().getName().equals("inrank-rank-controller"))
                assertEquals("inrank-run-key-master/master", secretRef(c, "INRANK_CONTROLLER_RUN_KEY_MASTER"));
        }
    }

    private static String envValue(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no " + name))
                .getValue();
    }

    private static String secretRef(Container c, String name) {
        var ref = c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no " + name))
                .getValueFrom()
                .getSecretKeyRef();
        assertFalse(Boolean.TRUE.equals(ref.getOptional()), name + " must not be optional: unsigned is refused");
        return ref.getName() + "/" + ref.getKey();
    }

    @Test
    void aSecondRunIsASecondJobFromTheSameTemplate() {
        Rendered first = Rendered.of("overlays/gpu"), second = Rendered.of("runs/run-2");
        Job a = first.one(Job.class, "inrank-trainer"),
                b = second.all(Job.class).get(0);
        assertNotEquals(a.getMetadata().getName(), b.getMetadata().getName());
        assertEquals(
                "run-2", b.getSpec().getTemplate().getMetadata().getLabels().get("inrank.io/run"));
        Container cb = b.getSpec().getTemplate().getSpec().getContainers().get(0),
                ca = a.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(
                "run-2",
                cb.getEnv().stream()
                        .filter(e -> e.getName().equals("INRANK_TRAIN_RUN"))
                        .findFirst()
                        .orElseThrow()
                        .getValue());
        assertEquals(ca.getImage(), cb.getImage());
        assertEquals(ca.getResources(), cb.getResources());
        String settings = cb.getEnvFrom().stream()
                .map(f -> f.getConfigMapRef().getName())
                .filter(n -> n.startsWith("inrank-train"))
                .findFirst()
                .orElseThrow();
        assertEquals("efficient", second.configMap(settings).getData().get("INRANK_TRAIN_MODE"));
        assertNotEquals(settings, "inrank-train", "its own settings, not the first run's");
    }

    /**
     * The data-parallel run: an Indexed Job whose pods are the replicas (completions = parallelism = the world size the
     * trainer is told), one GPU each, retried as a group, the failure policy leaving exit 3 (a replica lost its peers)
     * to retries; a headless Service and a NetworkPolicy that select exactly this run's pods.
     */
    @Test
    void theDataParallelRunIsAnIndexedJobOfOneGpuReplicasThatAgree() {
        Rendered r = Rendered.of("runs/data-parallel");
        Job job = r.all(Job.class).get(0);
        var spec = job.getSpec();
        assertEquals("Indexed", spec.getCompletionMode());
        // the run's own settings (the Kafka ConfigMap it also reads is the deployed overlay's, not rendered here)
        Map<String, String> env = r.configMap(spec.getTemplate().getSpec().getContainers().get(0).getEnvFrom().stream()
                        .map(f -> f.getConfigMapRef().getName())
                        .filter(n -> n.startsWith("inrank-train"))
                        .findFirst()
                        .orElseThrow())
                .getData();
        int world = Integer.parseInt(env.get("INRANK_TRAIN_WORLD_SIZE"));
        assertTrue(world > 1, "world size " + world);
        assertEquals(world, spec.getCompletions(), "completions = world size");
        assertEquals(
                world, spec.getParallelism(), "every replica runs at once: a replica alone waits at the rendezvous");
        assertEquals(0, Integer.parseInt(env.get("INRANK_TRAIN_BATCH")) % world, "the global batch splits evenly");
        assertTrue(spec.getBackoffLimit() >= world, "a group failure (every replica) is retried at least once");
        assertEquals(
                new io.fabric8.kubernetes.api.model.Quantity("1"),
                spec.getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getResources()
                        .getLimits()
                        .get("nvidia.com/gpu"),
                "one GPU per replica");
        assertEquals("cuda", env.get("INRANK_TRAIN_BACKEND"));
        List<Integer> failJob = spec.getPodFailurePolicy().getRules().stream()
                .filter(rule -> rule.getAction().equals("FailJob") && rule.getOnExitCodes() != null)
                .flatMap(rule -> rule.getOnExitCodes().getValues().stream())
                .toList();
        assertFalse(failJob.contains(3), "exit 3 (e.g. a peer's death seen by NCCL) must be retried, not fail the Job");
        Map<String, String> pod = spec.getTemplate().getMetadata().getLabels();
        Service headless = r.all(Service.class).stream()
                .filter(s -> "None".equals(s.getSpec().getClusterIP()))
                .findFirst()
                .orElseThrow();
        assertEquals(
                headless.getMetadata().getName(), spec.getTemplate().getSpec().getSubdomain());
        assertTrue(pod.entrySet().containsAll(headless.getSpec().getSelector().entrySet()), "selects the replicas");
        assertEquals("dp-1", headless.getSpec().getSelector().get("inrank.io/run"), "this run's pods only");
        NetworkPolicy np = r.all(NetworkPolicy.class).stream()
                .filter(n -> n.getMetadata().getName().startsWith("inrank-trainer-replicas"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                pod.get("inrank.io/run"),
                np.getSpec().getPodSelector().getMatchLabels().get("inrank.io/run"));
        assertEquals(
                np.getSpec().getPodSelector().getMatchLabels(),
                np.getSpec()
                        .getIngress()
                        .get(0)
                        .getFrom()
                        .get(0)
                        .getPodSelector()
                        .getMatchLabels(),
                "only the run's own replicas may connect");
        // packed together (NVLink inside a node), apart from other runs' trainers: both name this run
        var affinity = spec.getTemplate().getSpec().getAffinity();
        assertEquals(
                pod.get("inrank.io/run"),
                affinity.getPodAffinity()
                        .getPreferredDuringSchedulingIgnoredDuringExecution()
                        .get(0)
                        .getPodAffinityTerm()
                        .getLabelSelector()
                        .getMatchLabels()
                        .get("inrank.io/run"));
        var apart = affinity
                .getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution()
                .get(0)
                .getPodAffinityTerm()
                .getLabelSelector()
                .getMatchExpressions()
                .stream()
                .filter(e -> e.getKey().equals("inrank.io/run"))
                .findFirst()
                .orElseThrow();
        assertEquals("NotIn", apart.getOperator());
        assertEquals(List.of(pod.get("inrank.io/run")), apart.getValues());
        System.out.printf(
                "data-parallel run: Indexed Job %s, %d replicas x 1 GPU, backoffLimit %d, headless Service %s%n",
                job.getMetadata().getName(),
                world,
                spec.getBackoffLimit(),
                headless.getMetadata().getName());
    }

    // --- helpers

    /** The protocol's declaration of a topic: a fixed one, or a split's token topic. */
    static TopicSpec declared(String topic) {
        if (!topic.startsWith("inrank.tokens.")) return Topics.spec(topic);
        String[] parts = topic.substring("inrank.tokens.".length()).split("\\.");
        return Topics.tokensSpec(parts[0], parts[1]);
    }

    static List<String> fixedTopics() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) names.add((String) f.get(null));
        }
        return names;
    }

    static Container container(Rendered r, String workload) {
        return Objects.requireNonNull(r.podTemplates().get(workload), r.name + ": no workload " + workload)
                .getSpec()
                .getContainers()
                .get(0);
    }

    static int port(Container c, String name) {
        return c.getPorts().stream()
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + name));
    }

    static void probe(String w, Probe p, String path) {
        assertNotNull(p, w + " probe " + path);
        assertEquals(path, p.getHttpGet().getPath(), w);
        assertEquals("http", p.getHttpGet().getPort().getStrVal(), w);
    }

    static List<PodTemplateSpec> selected(
            Map<String, PodTemplateSpec> pods, Map<String, String> labels, LabelSelector sel) {
        return pods.values().stream()
                .filter(t -> {
                    Map<String, String> l = t.getMetadata().getLabels();
                    if (labels != null && !l.entrySet().containsAll(labels.entrySet())) return false;
                    if (sel != null && sel.getMatchExpressions() != null) {
                        for (var e : sel.getMatchExpressions()) {
                            if (!e.getOperator().equals("In"))
                                throw new AssertionError("selector operator " + e.getOperator() + " not checked here");
                            if (!e.getValues().contains(l.get(e.getKey()))) return false;
                        }
                    }
                    return (labels != null && !labels.isEmpty())
                            || (sel != null
                                    && sel.getMatchExpressions() != null
                                    && !sel.getMatchExpressions().isEmpty());
                })
                .toList();
    }

    static String mountClaim(PodTemplateSpec t, String path, boolean readOnly) {
        Container c = t.getSpec().getContainers().get(0);
        var mount = c.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
        assertEquals(
                readOnly,
                Boolean.TRUE.equals(mount.getReadOnly()),
                c.getName() + " mount of " + path + " read-only = " + readOnly);
        Volume v = t.getSpec().getVolumes().stream()
                .filter(x -> x.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        assertNotNull(v.getPersistentVolumeClaim(), path + " is a PersistentVolumeClaim");
        if (readOnly) assertEquals(Boolean.TRUE, v.getPersistentVolumeClaim().getReadOnly(), "claim mounted read-only");
        return v.getPersistentVolumeClaim().getClaimName();
    }
}
