import { describe, expect, it } from 'vitest';
import {
  isResponsesError,
  type ResponsesCall,
  type ResponsesError,
  responsesRequest,
} from '../../../../src/api/openai/responses.js';

function call(body: Record<string, unknown>): ResponsesCall {
  const out = responsesRequest({ model: 'gemini-2.5-flash', ...body });
  if (isResponsesError(out)) throw new Error(`unexpected rejection: ${out.error.message}`);
  return out;
}

function rejection(body: unknown): ResponsesError {
  const out = responsesRequest(body);
  if (!isResponsesError(out)) throw new Error(`accepted: ${JSON.stringify(out.request)}`);
  return out;
}

const PNG = 'iVBORw0KGgo=';
const GET_WEATHER = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};
const GET_TIME = { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } };

describe('responsesRequest: input', () => {
  it('a string is one user turn; the model and stream flag are kept', () => {
    expect(call({ input: 'Hello', stream: true })).toMatchObject({
      model: 'gemini-2.5-flash',
      stream: true,
      request: { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] },
    });
    expect(call({ input: 'Hello' }).stream).toBe(false);
  });

  it('instructions, then system and developer messages, become the systemInstruction in order', () => {
    const r = call({
      instructions: 'Be brief.',
      input: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'Hi' },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use metric.' }] },
      ],
    });
    expect(r.request.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'You are a weather bot.' }, { text: 'Use metric.' }],
    });
    expect(r.request.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
  });

  it.each([
    [
      'a data-URL image',
      { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
      { inlineData: { mimeType: 'image/png', data: PNG } },
    ],
    [
      'an image by URL',
      { type: 'input_image', image_url: 'https://example.com/cat.jpg' },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg' } },
    ],
    [
      'an image URL with no known extension',
      { type: 'input_image', image_url: 'https://example.com/img?id=3' },
      { fileData: { fileUri: 'https://example.com/img?id=3' } },
    ],
    [
      'a file as a data URL (the AI SDK)',
      { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBE' } },
    ],
    [
      'a file as bare base64 with a filename',
      { type: 'input_file', filename: 'a.pdf', file_data: 'JVBE' },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBE' } },
    ],
    [
      'a file by URL',
      { type: 'input_file', file_url: 'https://example.com/a.pdf' },
      { fileData: { mimeType: 'application/pdf', fileUri: 'https://example.com/a.pdf' } },
    ],
    [
      'audio',
      { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
    ],
  ])('%s becomes a Gemini part after the text', (_name, part, expected) => {
    const r = call({
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, part] }],
    });
    expect(r.request.contents).toEqual([{ role: 'user', parts: [{ text: 'What is this?' }, expected] }]);
  });

  it("earlier assistant turns (output_text, refusal, a plain string) are the model's turns", () => {
    const r = call({
      input: [
        { role: 'user', content: 'One' },
        {
          type: 'message',
          id: 'msg_1',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Two', annotations: [] }],
        },
        { role: 'user', content: 'Three' },
        { role: 'assistant', content: 'Four' },
        { role: 'user', content: 'Five' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
      ],
    });
    expect(r.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'One' }] },
      { role: 'model', parts: [{ text: 'Two' }] },
      { role: 'user', parts: [{ text: 'Three' }] },
      { role: 'model', parts: [{ text: 'Four' }] },
      { role: 'user', parts: [{ text: 'Five' }] },
      { role: 'model', parts: [{ text: 'No.' }] },
    ]);
  });

  it('a tool round trip: text and parallel calls share a model turn, their outputs share a user turn', () => {
    const r = call({
      input: [
        { role: 'user', content: 'Weather and time in Lisbon?' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_time', arguments: '' },
        { type: 'function_call_output', call_id: 'call_a', output: '{"celsius":24}' },
        { type: 'function_call_output', call_id: 'call_b', output: '10:00' },
      ],
    });
    expect(r.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather and time in Lisbon?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { celsius: 24 } } },
          { functionResponse: { name: 'get_time', response: { output: '10:00' } } },
        ],
      },
    ]);
  });

  it.each([
    ['a JSON object is the response itself', '{"ok":true}', { ok: true }],
    ['a JSON array goes under output', '[1,2]', { output: [1, 2] }],
    ['a JSON string goes under output, parsed', '"done"', { output: 'done' }],
    ['plain text goes under output', 'sunny', { output: 'sunny' }],
  ])('function_call_output: %s', (_name, output, response) => {
    const r = call({
      input: [
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c', output },
      ],
    });
    expect(r.request.contents?.[1]?.parts).toEqual([{ functionResponse: { name: 'f', response } }]);
  });

  it('a function_call_output given as content parts: text is the output, images follow as parts', () => {
    const r = call({
      input: [
        { type: 'function_call', call_id: 'c', name: 'screenshot', arguments: '{}' },
        {
          type: 'function_call_output',
          call_id: 'c',
          output: [
            { type: 'input_text', text: 'here it is' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}` },
          ],
        },
      ],
    });
    expect(r.request.contents?.[1]?.parts).toEqual([
      { functionResponse: { name: 'screenshot', response: { output: 'here it is' } } },
      { inlineData: { mimeType: 'image/png', data: PNG } },
    ]);
  });

  it('a signed call_id gives the call back its thoughtSignature; reasoning items and rs_ references are dropped', () => {
    const signature = Buffer.from('signature bytes \u00ff\u00fe').toString('base64');
    const callId = `call_x_1.ts.${Buffer.from(signature, 'base64').toString('base64url')}`;
    const r = call({
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'reasoning', id: 'rs_x_0', summary: [{ type: 'summary_text', text: 'thinking' }] },
        { type: 'item_reference', id: 'rs_x_0' },
        { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: callId, output: '{"celsius":3}' },
      ],
    });
    expect(r.request.contents?.[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: signature }],
    });
    expect(r.request.contents).toHaveLength(3);
  });
});

describe('responsesRequest: tools', () => {
  it('function tools become functionDeclarations with their JSON Schema unchanged', () => {
    const r = call({ input: 'Weather?', tools: [GET_WEATHER, GET_TIME] });
    expect(r.request.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parametersJsonSchema: GET_WEATHER.parameters,
          },
          { name: 'get_time', parametersJsonSchema: GET_TIME.parameters },
        ],
      },
    ]);
    expect(r.request.toolConfig).toBeUndefined();
  });

  it.each([
    ['auto', 'auto', undefined, ['get_weather', 'get_time']],
    ['none', 'none', { mode: 'NONE' }, ['get_weather', 'get_time']],
    ['required', 'required', { mode: 'ANY' }, ['get_weather', 'get_time']],
    [
      'one function',
      { type: 'function', name: 'get_time' },
      { mode: 'ANY', allowedFunctionNames: ['get_time'] },
      ['get_weather', 'get_time'],
    ],
    [
      'allowed_tools, auto',
      { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_time' }] },
      { mode: 'AUTO' },
      ['get_time'],
    ],
    [
      'allowed_tools, required',
      { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_weather' }] },
      { mode: 'ANY' },
      ['get_weather'],
    ],
  ])('tool_choice %s', (_name, toolChoice, functionCallingConfig, declared) => {
    const r = call({ input: 'Weather?', tools: [GET_WEATHER, GET_TIME], tool_choice: toolChoice });
    expect(r.request.toolConfig).toEqual(functionCallingConfig ? { functionCallingConfig } : undefined);
    const [tool] = r.request.tools as { functionDeclarations: { name: string }[] }[];
    expect(tool!.functionDeclarations.map((d) => d.name)).toEqual(declared);
  });
});

describe('responsesRequest: generation settings', () => {
  it('sampling, length and JSON Schema output map onto generationConfig', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const r = call({
      input: 'Name?',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 300,
      text: { format: { type: 'json_schema', name: 'person', schema, strict: true }, verbosity: 'low' },
    });
    expect(r.request.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 300,
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it.each([
    [{ type: 'json_object' }, { responseMimeType: 'application/json' }],
    [{ type: 'text' }, undefined],
  ])('text.format %j', (format, generationConfig) => {
    expect(call({ input: 'x', text: { format } }).request.generationConfig).toEqual(generationConfig);
  });

  it.each([
    [{ effort: 'none' }, { thinkingBudget: 0 }],
    [{ effort: 'minimal' }, { thinkingBudget: 1024 }],
    [{ effort: 'low' }, { thinkingBudget: 1024 }],
    [
      { effort: 'medium', summary: 'auto' },
      { thinkingBudget: 8192, includeThoughts: true },
    ],
    [{ effort: 'high' }, { thinkingBudget: 24576 }],
    [{ summary: 'detailed' }, { includeThoughts: true }],
    [{ effort: null, summary: null }, undefined],
  ])('reasoning %j → thinkingConfig %j', (reasoning, thinkingConfig) => {
    const config = call({ input: 'x', reasoning }).request.generationConfig;
    expect(config?.thinkingConfig).toEqual(thinkingConfig);
  });

  it('explicit nulls (as the SDKs send them) and serving hints are accepted and leave nothing behind', () => {
    const r = call({
      input: 'x',
      temperature: null,
      top_p: null,
      max_output_tokens: null,
      instructions: null,
      tools: null,
      tool_choice: null,
      text: null,
      reasoning: null,
      previous_response_id: null,
      background: false,
      store: true,
      include: ['reasoning.encrypted_content', 'message.output_text.logprobs'],
      top_logprobs: 2,
      user: 'u1',
      safety_identifier: 's',
      prompt_cache_key: 'k',
      service_tier: 'auto',
      truncation: 'auto',
      parallel_tool_calls: false,
      stream_options: { include_obfuscation: false },
      metadata: { run: '7' },
      some_future_field: { anything: true },
    });
    expect(r.request).toEqual({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
    expect(r.echo).toMatchObject({ metadata: { run: '7' }, parallel_tool_calls: false, tool_choice: 'auto' });
  });

  it('echoes what a Response object repeats back', () => {
    const r = call({
      input: 'x',
      instructions: 'Be brief.',
      temperature: 0.5,
      max_output_tokens: 64,
      tools: [GET_TIME],
      tool_choice: 'required',
      reasoning: { effort: 'low' },
    });
    expect(r.echo).toEqual({
      instructions: 'Be brief.',
      max_output_tokens: 64,
      metadata: {},
      parallel_tool_calls: true,
      reasoning: { effort: 'low', summary: null },
      temperature: 0.5,
      text: { format: { type: 'text' } },
      tool_choice: 'required',
      tools: [GET_TIME],
      top_p: null,
    });
  });
});

describe('responsesRequest: refusals are 400 invalid_request_error naming the field', () => {
  const model = 'gemini-2.5-flash';
  const callOf = (id: string) => ({ type: 'function_call', call_id: id, name: 'f', arguments: '{}' });
  it.each([
    ['a body that is not an object', [1], null, /JSON object/],
    ['no model', { input: 'x' }, 'model', /model/],
    ['no input', { model }, 'input', /input/],
    ['an empty string input', { model, input: '' }, 'input', /empty/],
    ['only system text', { model, input: [{ role: 'system', content: 'x' }] }, 'input', /no user/],
    [
      'previous_response_id',
      { model, input: 'x', previous_response_id: 'resp_1' },
      'previous_response_id',
      /stores none/,
    ],
    ['conversation', { model, input: 'x', conversation: 'conv_1' }, 'conversation', /stores none/],
    ['a stored prompt', { model, input: 'x', prompt: { id: 'pmpt_1' } }, 'prompt', /OpenAI account/],
    ['background mode', { model, input: 'x', background: true }, 'background', /polling/],
    [
      'chat-completions response_format',
      { model, input: 'x', response_format: { type: 'json_object' } },
      'response_format',
      /text\.format/,
    ],
    ['chat-completions max_tokens', { model, input: 'x', max_tokens: 5 }, 'max_tokens', /max_output_tokens/],
    [
      'a reference to a stored message (the AI SDK with store on)',
      {
        model,
        input: [
          { role: 'user', content: 'x' },
          { type: 'item_reference', id: 'msg_abc' },
        ],
      },
      'input[1].id',
      /store: false/,
    ],
    [
      'an output for an unknown call',
      { model, input: [{ type: 'function_call_output', call_id: 'c9', output: 'x' }] },
      'input[0].call_id',
      /No tool call found .* c9/,
    ],
    [
      'call arguments that are not a JSON object',
      { model, input: [{ ...callOf('c'), arguments: '[1]' }] },
      'input[0].arguments',
      /JSON object/,
    ],
    [
      'a call without call_id',
      { model, input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
      /call_id/,
    ],
    [
      'an OpenAI file id',
      { model, input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] },
      'input[0].content[0].file_id',
      /file store/,
    ],
    [
      'an image URL that is not http',
      { model, input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'ftp://x/a.png' }] }] },
      'input[0].content[0].image_url',
      /http/,
    ],
    [
      'an unknown content type',
      { model, input: [{ role: 'user', content: [{ type: 'input_video', url: 'x' }] }] },
      'input[0].content[0].type',
      /input_video/,
    ],
    [
      'an unknown role',
      { model, input: [{ role: 'tool', content: 'x' }] },
      'input[0].role',
      /user, assistant/,
    ],
    [
      'a hosted tool call item',
      { model, input: [{ type: 'web_search_call', id: 'ws_1' }] },
      'input[0].type',
      /web_search_call/,
    ],
    [
      'a hosted tool',
      { model, input: 'x', tools: [{ type: 'web_search' }] },
      'tools[0].type',
      /only function tools/,
    ],
    [
      'a function tool without a name',
      { model, input: 'x', tools: [{ type: 'function', parameters: {} }] },
      'tools[0].name',
      /name/,
    ],
    [
      'tool_choice naming an unknown function',
      { model, input: 'x', tools: [GET_TIME], tool_choice: { type: 'function', name: 'nope' } },
      'tool_choice.name',
      /nope/,
    ],
    [
      'tool_choice required without tools',
      { model, input: 'x', tool_choice: 'required' },
      'tool_choice',
      /declares no function/,
    ],
    [
      'tool_choice for a hosted tool',
      { model, input: 'x', tools: [GET_TIME], tool_choice: { type: 'web_search_preview' } },
      'tool_choice',
      /not supported/,
    ],
    [
      'an unknown reasoning effort',
      { model, input: 'x', reasoning: { effort: 'extreme' } },
      'reasoning.effort',
      /extreme/,
    ],
    [
      'an unknown text format',
      { model, input: 'x', text: { format: { type: 'yaml' } } },
      'text.format.type',
      /yaml/,
    ],
    [
      'json_schema without a schema',
      { model, input: 'x', text: { format: { type: 'json_schema', name: 'x' } } },
      'text.format.schema',
      /schema/,
    ],
    ['max_output_tokens 0', { model, input: 'x', max_output_tokens: 0 }, 'max_output_tokens', /integer/],
    [
      'a temperature that is not a number',
      { model, input: 'x', temperature: 'hot' },
      'temperature',
      /number/,
    ],
  ])('%s', (_name, body, param, message) => {
    const e = rejection(body);
    expect(e.status).toBe(400);
    expect(e.error.type).toBe('invalid_request_error');
    expect(e.error.param).toBe(param);
    expect(e.error.message).toMatch(message);
  });
});
