import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../../../core/errors';
import { buildChatRequest } from '../../../functions/generate/prompt';
import {
  BackendError,
  backendFromConfig,
  llamaCppServerBackend,
  openaiCompatibleBackend,
} from '../../../model/backends';
import {
  type ChatRequest,
  type CopyBrief,
  chatRequestSchema,
  ModelOutputError,
  parseCompletion,
} from '../../../model/contract';
import { completeEmbedded } from '../../../model/embedded';
import { startModelServer } from '../../../model/server';

const brief: CopyBrief = {
  language: 'zh',
  goal: 'promotion',
  channel: 'push',
  tone: 'friendly',
  variants: 2,
  products: [{ productId: 'p1', title: '轻盈透气跑步鞋', category: '运动鞋', price: 299 }],
};
const request = buildChatRequest(brief, 7);

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Reply = (seen: Seen) => { status?: number; body: unknown };

/** A local HTTP server answering each request with `reply`, recording what it was sent. */
async function fakeServer(reply: Reply): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry = {
      path: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
    };
    seen.push(entry);
    const { status = 200, body } = reply(entry);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const servers: Server[] = [];
async function serve(reply: Reply) {
  const fake = await fakeServer(reply);
  servers.push(fake.server);
  return fake;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Copy written by the embedded generator for the messages a fake server received. */
function copyFor(messages: ChatRequest['messages'], seed: number): string {
  return completeEmbedded({ messages, seed }).choices[0]!.message.content;
}

/** An OpenAI chat.completions answer, as OpenAI, vLLM and Ollama write it. */
function openAiAnswer(seen: Seen): unknown {
  const body = seen.body as { model: string; messages: ChatRequest['messages']; seed: number };
  return {
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body.model,
    system_fingerprint: 'fp_1',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: copyFor(body.messages, body.seed), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 420, completion_tokens: 120, total_tokens: 540 },
  };
}

describe('the OpenAI-compatible backend', () => {
  it('posts the messages with a json_schema response format and returns the copy in the contract', async () => {
    const fake = await serve((seen) => ({ body: openAiAnswer(seen) }));
    const backend = openaiCompatibleBackend({
      baseUrl: `${fake.url}/v1/`,
      model: 'qwen2.5:7b',
      apiKey: 'k1',
    });
    const response = await backend.complete(request);
    expect(parseCompletion(JSON.stringify(response)).variants).toHaveLength(2);
    expect(response).toMatchObject({ model: 'qwen2.5:7b', usage: { total_tokens: 540 } });
    const sent = fake.seen[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer k1');
    expect(sent.body).toMatchObject({
      model: 'qwen2.5:7b',
      messages: request.messages,
      seed: 7,
      max_tokens: request.max_tokens,
      stream: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'copy', schema: request.response_format!.value },
      },
    });
  });

  it('fills in usage when the server leaves it out, and sends no Authorization without a key', async () => {
    const fake = await serve((seen) => {
      const { usage: _usage, ...rest } = openAiAnswer(seen) as Record<string, unknown>;
      return { body: rest };
    });
    const response = await openaiCompatibleBackend({ baseUrl: fake.url, model: 'm' }).complete(request);
    expect(response.usage.completion_tokens).toBeGreaterThan(0);
    expect(fake.seen[0]!.headers.authorization).toBeUndefined();
  });

  it("fails with the server's own message when it answers an error", async () => {
    const fake = await serve(() => ({
      status: 404,
      body: { error: { message: 'model "nope" not found, try pulling it first', type: 'api_error' } },
    }));
    const error = await openaiCompatibleBackend({ baseUrl: fake.url, model: 'nope' })
      .complete(request)
      .catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toMatch(/answered 404: model "nope" not found/);
  });

  it('fails when the answer has no content (a refusal)', async () => {
    const fake = await serve(() => ({
      body: {
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: 'I cannot' },
            finish_reason: 'stop',
          },
        ],
      },
    }));
    await expect(
      openaiCompatibleBackend({ baseUrl: fake.url, model: 'm' }).complete(request),
    ).rejects.toThrow(/no content \(refusal: I cannot\)/);
  });

  it('fails clearly when nothing listens at the URL', async () => {
    const fake = await fakeServer(() => ({ body: {} }));
    await new Promise((resolve) => fake.server.close(resolve));
    await expect(
      openaiCompatibleBackend({ baseUrl: fake.url, model: 'm' }).complete(request),
    ).rejects.toThrow(BackendError);
  });
});

/** llama.cpp's `/apply-template` and `/completion`, answering with ChatML and embedded copy. */
function llamaCpp(stopType = 'eos'): Reply {
  return (seen) => {
    if (seen.path === '/apply-template') {
      const messages = seen.body['messages'] as ChatRequest['messages'];
      const prompt = `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>`).join('\n')}\n<|im_start|>assistant\n`;
      return { body: { prompt } };
    }
    if (seen.path === '/completion') {
      const prompt = seen.body['prompt'] as string;
      const content = copyFor([{ role: 'user', content: prompt }], seen.body['seed'] as number);
      return {
        body: {
          index: 0,
          content,
          tokens: [],
          id_slot: 0,
          stop: true,
          model: 'qwen2.5-7b-instruct-q4_k_m.gguf',
          tokens_predicted: 131,
          tokens_evaluated: 512,
          generation_settings: { n_predict: seen.body['n_predict'], seed: seen.body['seed'] },
          prompt,
          has_new_line: false,
          truncated: false,
          stop_type: stopType,
          stopping_word: '',
          tokens_cached: 0,
          timings: { prompt_n: 512, predicted_n: 131 },
        },
      };
    }
    return {
      status: 404,
      body: { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } },
    };
  };
}

describe('the llama.cpp server backend', () => {
  it('applies the chat template, then completes with json_schema, and returns the copy in the contract', async () => {
    const fake = await serve(llamaCpp());
    const response = await llamaCppServerBackend({ baseUrl: fake.url }).complete(request);
    expect(parseCompletion(JSON.stringify(response)).variants).toHaveLength(2);
    expect(response).toMatchObject({
      model: 'qwen2.5-7b-instruct-q4_k_m.gguf',
      choices: [{ finish_reason: 'eos_token' }],
      usage: { prompt_tokens: 512, completion_tokens: 131, total_tokens: 643 },
    });
    expect(fake.seen.map((s) => s.path)).toEqual(['/apply-template', '/completion']);
    expect(fake.seen[0]!.body).toEqual({ messages: request.messages });
    expect(fake.seen[1]!.body).toMatchObject({
      prompt: expect.stringContaining('<|im_start|>assistant'),
      n_predict: request.max_tokens,
      seed: 7,
      temperature: request.temperature,
      json_schema: request.response_format!.value,
      stream: false,
    });
  });

  it("reports a completion cut off at n_predict as finish_reason 'length', which the caller refuses", async () => {
    const fake = await serve(llamaCpp('limit'));
    const response = await llamaCppServerBackend({ baseUrl: fake.url }).complete(request);
    expect(response.choices[0]!.finish_reason).toBe('length');
    expect(() => parseCompletion(JSON.stringify(response))).toThrow(ModelOutputError);
  });

  it("fails with the server's message when it answers an error", async () => {
    const fake = await serve(() => ({
      status: 503,
      body: { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } },
    }));
    await expect(llamaCppServerBackend({ baseUrl: fake.url }).complete(request)).rejects.toThrow(
      /answered 503: Loading model/,
    );
  });

  it('answers InvokeEndpoint through the local model server', async () => {
    const fake = await serve(llamaCpp());
    const server = await startModelServer({ backend: llamaCppServerBackend({ baseUrl: fake.url }) });
    try {
      const res = await fetch(`${server.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatRequestSchema.parse(request)),
      });
      expect(res.status).toBe(200);
      expect(parseCompletion(await res.text()).variants).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('backendFromConfig', () => {
  it('defaults to the embedded generator', () => {
    expect(backendFromConfig({}).name).toBe('embedded');
    expect(backendFromConfig({ TAILOR_MODEL_BACKEND: 'embedded' }).name).toBe('embedded');
  });

  it('builds the OpenAI-compatible and llama.cpp backends from their settings', () => {
    expect(
      backendFromConfig({
        TAILOR_MODEL_BACKEND: 'openai',
        TAILOR_MODEL_URL: 'http://127.0.0.1:11434',
        TAILOR_MODEL_NAME: 'qwen2.5:7b',
      }).name,
    ).toBe('openai-compatible');
    expect(
      backendFromConfig({ TAILOR_MODEL_BACKEND: 'llamacpp', TAILOR_MODEL_URL: 'http://127.0.0.1:8080' }).name,
    ).toBe('llamacpp');
  });

  it('throws ConfigurationError naming a missing setting or an unknown backend', () => {
    expect(() => backendFromConfig({ TAILOR_MODEL_BACKEND: 'openai', TAILOR_MODEL_URL: 'http://x' })).toThrow(
      new ConfigurationError('TAILOR_MODEL_BACKEND=openai needs TAILOR_MODEL_NAME'),
    );
    expect(() => backendFromConfig({ TAILOR_MODEL_BACKEND: 'llamacpp', TAILOR_MODEL_URL: 'x.gguf' })).toThrow(
      /must be an http or https URL/,
    );
    expect(() => backendFromConfig({ TAILOR_MODEL_BACKEND: 'gpt' })).toThrow(
      /one of embedded, openai, llamacpp/,
    );
  });
});
