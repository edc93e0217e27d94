#!/usr/bin/env bash
# Calls every endpoint of a running inference server once (and each kind of bad request) and prints a Markdown
# transcript: command, status line, body. inference/HTTP.md is its output against the demo's model:
#   ./inrank demo                      # trains the tiny demo run (once), or any checkpoint:
#   ./inrank serve --port 18080 &      # then, when /q/health/ready says UP:
#   inference/http-transcript.sh http://localhost:18080 > inference/HTTP.md
set -u
U=${1:-http://localhost:8080}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
show() {   # show "title" curl-args...
  local title="$1"; shift
  printf '### %s\n\n```console\n$ curl' "$title"
  for a in "$@"; do case "$a" in *' '*|*'{'*|*'"'*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac; done
  printf '\n'
  curl -sS -i "$@" 2>&1 | tr -d '\r' | grep -v -i '^\(content-length\|date\):' | head -c "${LIMIT:-1500}"
  printf '\n```\n\n'
}
J='Content-Type: application/json'
printf '# The inference HTTP API as curl sees it\n\n'
printf 'Each endpoint once, and each kind of refused request, against `./inrank serve` (%s, %s). On the demo'"'"'s\n' "$(date -u +%Y-%m-%d)" "$U"
printf 'tiny model the text means nothing; the shapes, statuses and messages are the point.\n'
printf 'Made by `inference/http-transcript.sh`.\n\n'
show "GET /info" "$U/info"
show "POST /tokenize" -H "$J" -d '{"inputs":"Hello wörld"}' "$U/tokenize"
show "POST /generate (greedy, details)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":12,"details":true}}' "$U/generate"
show "POST /generate (sampled, seeded, stop)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":20,"do_sample":true,"temperature":0.8,"top_k":40,"top_p":0.95,"repetition_penalty":1.1,"seed":7,"stop":[" the"]}}' "$U/generate"
show "POST /generate_stream (SSE)" -N -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":5,"seed":1}}' "$U/generate_stream"
show "POST /v1/completions" -H "$J" -d '{"model":"demo","prompt":"The history of","max_tokens":10,"temperature":0,"stop":["\n"]}' "$U/v1/completions"
show "POST /v1/completions (stream)" -N -H "$J" -d '{"prompt":"The history of","max_tokens":4,"seed":3,"stream":true}' "$U/v1/completions"
show "POST /v1/completions (Accept: application/json, as the OpenAI SDK sends; model: any value)" -H "$J" -H 'Accept: application/json' -d '{"model":"gpt-3.5-turbo-instruct","prompt":"The history of","max_tokens":5,"temperature":0}' "$U/v1/completions"
show "POST /v1/chat/completions" -H "$J" -d '{"model":"demo","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the history of Rome?"}],"max_tokens":12,"temperature":0}' "$U/v1/chat/completions"
show "POST /v1/chat/completions (stream, include_usage)" -N -H "$J" -d '{"messages":[{"role":"user","content":"Hello"}],"max_tokens":3,"seed":2,"stream":true,"stream_options":{"include_usage":true}}' "$U/v1/chat/completions"
show "POST /v1/completions (logprobs: 2)" -H "$J" -d '{"prompt":"The history of","max_tokens":3,"temperature":0,"logprobs":2}' "$U/v1/completions"
show "POST /generate (details, top_n_tokens: 2)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":2,"details":true,"top_n_tokens":2}}' "$U/generate"
show "GET /v1/models" "$U/v1/models"
show "POST / (TGI's root route: /generate)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":5}}' "$U/"
show "POST / with \"stream\": true (TGI's root route: SSE)" -N -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":3,"seed":1},"stream":true}' "$U/"
show "GET /health" "$U/health"
show "Error: Accept that allows neither JSON nor an event stream → 406" -H "$J" -H 'Accept: application/xml' -d '{"prompt":"x"}' "$U/v1/completions"
show "Error: invalid JSON → 400" -H "$J" -d '{"inputs": "x",' "$U/generate"
show "Error: bad parameter → 422" -H "$J" -d '{"inputs":"x","parameters":{"temperature":-1}}' "$U/generate"
show "Unknown fields are ignored, and named (X-Inrank-Ignored-Parameters; strict-parameters=true refuses them)" -H "$J" -d '{"inputs":"x","options":{"wait_for_model":true},"parameters":{"max_new_tokens":2,"foo":1}}' "$U/generate"
show "Error: a field that cannot be honoured → 422 naming it" -H "$J" -d '{"inputs":"x","parameters":{"watermark":true}}' "$U/generate"
show "POST /v1/completions (a batch: a list of prompts, one choice each)" -H "$J" -d '{"prompt":["The history of","Once upon a time"],"max_tokens":6,"temperature":0}' "$U/v1/completions"
show "POST /v1/completions (a prompt of token ids)" -H "$J" -d '{"prompt":[464,2106,286],"max_tokens":6,"temperature":0}' "$U/v1/completions"
show "POST /v1/completions (n: 2, best_of: 3, seeded: choice i draws with seed + i)" -H "$J" -d '{"prompt":"The history of","max_tokens":6,"n":2,"best_of":3,"seed":5}' "$U/v1/completions"
show "POST /generate (typical_p: locally typical sampling)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":8,"typical_p":0.5,"seed":3}}' "$U/generate"
show "POST /generate (best_of: 2, the more likely candidate; the other in details)" -H "$J" -d '{"inputs":"The history of","parameters":{"max_new_tokens":4,"best_of":2,"do_sample":true,"seed":1,"details":true}}' "$U/generate"
show "POST /v1/completions (greedy: the demo model repeats itself)" -H "$J" -d '{"prompt":"The history of","max_tokens":10,"temperature":0}' "$U/v1/completions"
show "POST /v1/completions (frequency_penalty 2, presence_penalty 2: OpenAI's formulas)" -H "$J" -d '{"prompt":"The history of","max_tokens":10,"temperature":0,"frequency_penalty":2,"presence_penalty":2}' "$U/v1/completions"
show "POST /v1/completions (logit_bias: token 286, \" of\", banned with -100: it never appears)" -H "$J" -d '{"prompt":"The history of","max_tokens":10,"temperature":0,"logit_bias":{"286":-100}}' "$U/v1/completions"
show "POST /v1/completions (vLLM's extensions: top_k, min_p, repetition_penalty, min_tokens, stop_token_ids)" -H "$J" -d '{"prompt":"The history of","max_tokens":6,"top_k":20,"min_p":0.05,"repetition_penalty":1.2,"min_tokens":6,"stop_token_ids":[50256],"seed":2}' "$U/v1/completions"
LONG=$(printf 'word %.0s' $(seq 300))
printf '{"inputs":"%s","parameters":{"max_new_tokens":4}}' "$LONG" > "$TMP/long.json"
printf '{"inputs":"%s","parameters":{"max_new_tokens":4,"truncate":64}}' "$LONG" > "$TMP/long-truncate.json"
(cd "$TMP" && show "Error: prompt longer than the context → 422 (long.json: 300 tokens of \"word\"; the context is 128)" -H "$J" -d @long.json "$U/generate")
(cd "$TMP" && show "Truncation when asked (TGI truncate: keep the last 64 prompt tokens)" -H "$J" -d @long-truncate.json "$U/generate")
show "Error: OpenAI shape → 400/422" -H "$J" -d '{"prompt":[],"max_tokens":2}' "$U/v1/completions"
show "GET /q/health/ready" "$U/q/health/ready"
printf '### GET /metrics (= /q/metrics: the llm_ series, histogram buckets left out)\n\n'
printf '```console\n$ curl -s %s/metrics | grep ^llm_ | grep -v _bucket\n' "$U"; curl -s "$U/metrics" | grep '^llm_' | grep -v '_bucket'; printf '```\n\n'
printf '### GET /q/openapi (the first lines)\n\n'
printf '```console\n$ curl -s %s/q/openapi | head -12\n' "$U"; curl -s "$U/q/openapi" | head -12; printf '```\n'
