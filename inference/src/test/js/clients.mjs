// The clients people use, against a running inference server: node clients.mjs http://localhost:PORT
// One JSON line per call: {call, ok, result} or {call, ok: false, status, error, message}. ClientCompatIT runs it
// against the packaged server and checks every line; the same lines are the transcript a maintainer reads.
import OpenAI from "openai";
import { InferenceClient } from "@huggingface/inference";

const base = process.argv[2];
if (!base) {
  console.error("usage: node clients.mjs http://localhost:PORT");
  process.exit(2);
}
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: "unused", maxRetries: 0 });
const hf = new InferenceClient().endpoint(base);

async function call(name, fn) {
  try {
    console.log(JSON.stringify({ call: name, ok: true, result: await fn() }));
  } catch (e) {
    console.log(JSON.stringify({
      call: name, ok: false, status: e.status ?? null, error: e.constructor?.name ?? "Error", message: e.message,
    }));
  }
}

const prompt = "The history of";
const sampled = { temperature: 0.8, seed: 7, max_tokens: 8 };
const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "Tell me about Rome." }];

await call("openai models.list", async () => (await openai.models.list()).data.map((m) => m.id));

await call("openai completions", async () => {
  const r = await openai.completions.create({ model: "gpt-3.5-turbo-instruct", prompt, ...sampled });
  return { text: r.choices[0].text, finish_reason: r.choices[0].finish_reason, usage: r.usage, model: r.model };
});

await call("openai completions stream", async () => {
  const s = await openai.completions.create({ model: "gpt-3.5-turbo-instruct", prompt, ...sampled, stream: true });
  let text = "";
  for await (const c of s) text += c.choices[0]?.text ?? "";
  return { text };
});

await call("openai completions stop", async () => {
  // a stop sequence taken from the middle of the seeded text: the answer must end just before it
  const full = (await openai.completions.create({ model: "m", prompt, ...sampled })).choices[0].text;
  const at = Math.floor(full.length / 2), stop = full.slice(at, at + 3);
  const r = await openai.completions.create({ model: "m", prompt, ...sampled, stop: [stop] });
  return { text: r.choices[0].text, finish_reason: r.choices[0].finish_reason, stop, expected: full.slice(0, full.indexOf(stop)) };
});

await call("openai completions logprobs", async () => {
  const r = await openai.completions.create({ model: "m", prompt, max_tokens: 4, temperature: 0, logprobs: 2 });
  const lp = r.choices[0].logprobs;
  return { text: r.choices[0].text, tokens: lp.tokens, token_logprobs: lp.token_logprobs, top: lp.top_logprobs.length };
});

await call("openai chat", async () => {
  const r = await openai.chat.completions.create({ model: "gpt-4o", messages, ...sampled });
  return { role: r.choices[0].message.role, content: r.choices[0].message.content, usage: r.usage };
});

await call("openai chat stream", async () => {
  const s = await openai.chat.completions.create({
    model: "gpt-4o", messages, ...sampled, stream: true, stream_options: { include_usage: true },
  });
  let content = "", usage = null;
  for await (const c of s) {
    content += c.choices[0]?.delta?.content ?? "";
    if (c.usage) usage = c.usage;
  }
  return { content, usage };
});

await call("openai chat logprobs", async () => {
  const r = await openai.chat.completions.create({
    model: "m", messages, max_tokens: 3, temperature: 0, logprobs: true, top_logprobs: 2,
  });
  return r.choices[0].logprobs.content.map((t) => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.length }));
});

await call("openai completions n and best_of", async () => {
  const r = await openai.completions.create({ model: "m", prompt, max_tokens: 4, n: 2, best_of: 3, seed: 7 });
  return { choices: r.choices.map((c) => c.index), completion_tokens: r.usage.completion_tokens };
});

await call("openai completions list prompt, penalties, logit_bias", async () => {
  const r = await openai.completions.create({
    model: "m", prompt: [prompt, "Once upon"], max_tokens: 4, temperature: 0,
    frequency_penalty: 0.5, presence_penalty: 0.5, logit_bias: { "50256": -100 },
  });
  return { choices: r.choices.length };
});

await call("openai completions vLLM extensions", async () => {
  // extra body fields the SDK passes through, as vLLM's users send them
  const r = await openai.completions.create({
    model: "m", prompt, max_tokens: 4, seed: 3,
    top_k: 20, min_p: 0.05, repetition_penalty: 1.1, min_tokens: 4, ignore_eos: false, stop_token_ids: [], do_sample: true,
  });
  return { completion_tokens: r.usage.completion_tokens };
});

await call("openai error suffix", async () =>
  openai.completions.create({ model: "m", prompt, max_tokens: 2, suffix: "the end" }));

await call("openai error json_object", async () =>
  openai.chat.completions.create({ model: "m", messages, max_tokens: 2, response_format: { type: "json_object" } }));

await call("hf textGeneration TGI parameters", async () =>
  (await hf.textGeneration({
    inputs: prompt,
    parameters: {
      max_new_tokens: 8, do_sample: true, top_k: 20, temperature: 0.8, seed: 7, repetition_penalty: 1.1,
      return_full_text: true, stop: ["\n\n"], typical_p: 0.95, watermark: false,
    },
  })).generated_text);

await call("hf textGeneration", async () =>
  (await hf.textGeneration({ inputs: prompt, parameters: { max_new_tokens: 8, temperature: 0.8, seed: 7 } }))
    .generated_text);

await call("hf textGenerationStream", async () => {
  let text = "";
  for await (const ev of hf.textGenerationStream({
    inputs: prompt, parameters: { max_new_tokens: 8, temperature: 0.8, seed: 7 },
  })) {
    text += ev.token?.text ?? ev.choices?.[0]?.text ?? "";
  }
  return text;
});

await call("hf chatCompletion", async () => {
  const r = await hf.chatCompletion({ messages, max_tokens: 8, temperature: 0.8, seed: 7 });
  return r.choices[0].message.content;
});
