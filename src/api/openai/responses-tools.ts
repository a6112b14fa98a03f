import { at, given, isObject, type Json } from './fields.js';
import { reject } from './responses-error.js';

/** The Gemini side of `tools` and `tool_choice`. */
export interface ToolSetup {
  tools?: unknown[];
  toolConfig?: Json;
}

interface Declaration {
  name: string;
  description?: string;
  parametersJsonSchema?: unknown;
}

/**
 * Function tools → functionDeclarations (their JSON Schema unchanged, as `parametersJsonSchema`), tool_choice →
 * functionCallingConfig. Tools OpenAI runs on its side (web_search, file_search, code_interpreter, mcp, …) and
 * free-form custom tools have no Gemini counterpart here: refused, since dropping them would change the answer.
 * `strict` is accepted and not enforced (Gemini has no such switch).
 */
export function toolSetup(tools: unknown, choice: unknown): ToolSetup {
  let declarations = functionDeclarations(tools);
  let mode: string | undefined;
  let allowed: string[] | undefined;
  if (choice === 'none') mode = 'NONE';
  else if (choice === 'required') mode = 'ANY';
  else if (isObject(choice) && choice.type === 'function') {
    const name = knownName(choice.name, declarations, 'tool_choice.name');
    mode = 'ANY';
    allowed = [name];
  } else if (isObject(choice) && choice.type === 'allowed_tools') {
    const names = allowedNames(choice.tools, declarations);
    // keeping only the allowed declarations bounds the model exactly, in auto mode too
    declarations = declarations.filter((d) => names.includes(d.name));
    mode = choice.mode === 'required' ? 'ANY' : 'AUTO';
  } else if (given(choice) && choice !== 'auto') {
    reject(
      `tool_choice ${JSON.stringify(choice)} is not supported by this gateway: use auto, none, required, ` +
        '{type: "function", name} or {type: "allowed_tools", …} over function tools.',
      'tool_choice',
      'unsupported_value',
    );
  }
  if (mode === 'ANY' && declarations.length === 0) {
    reject("tool_choice requires a tool call, but 'tools' declares no function.", 'tool_choice');
  }
  const setup: ToolSetup = {};
  if (declarations.length > 0) setup.tools = [{ functionDeclarations: declarations }];
  if (mode) {
    setup.toolConfig = {
      functionCallingConfig: allowed ? { mode, allowedFunctionNames: allowed } : { mode },
    };
  }
  return setup;
}

function functionDeclarations(tools: unknown): Declaration[] {
  if (!given(tools)) return [];
  if (!Array.isArray(tools)) return reject("Invalid type for 'tools': expected an array.", 'tools');
  return tools.map((tool, i) => declaration(tool, at('tools', i)));
}

function declaration(tool: unknown, path: string): Declaration {
  if (!isObject(tool)) return reject(`Invalid type for '${path}': expected an object.`, path);
  if (tool.type !== 'function') {
    return reject(
      `Tool type '${String(tool.type)}' at '${path}' is not supported by this gateway: only function tools ` +
        'can be passed to Gemini.',
      at(path, 'type'),
      'unsupported_value',
    );
  }
  if (typeof tool.name !== 'string' || tool.name === '') {
    return reject(`Missing required parameter: '${at(path, 'name')}'.`, at(path, 'name'));
  }
  const out: Declaration = { name: tool.name };
  if (typeof tool.description === 'string') out.description = tool.description;
  if (given(tool.parameters)) {
    if (!isObject(tool.parameters)) {
      return reject(
        `Invalid type for '${at(path, 'parameters')}': expected an object.`,
        at(path, 'parameters'),
      );
    }
    out.parametersJsonSchema = tool.parameters;
  }
  return out;
}

function allowedNames(entries: unknown, declarations: Declaration[]): string[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    return reject("Missing required parameter: 'tool_choice.tools'.", 'tool_choice.tools');
  }
  return entries.map((entry, i) => {
    const path = at('tool_choice.tools', i);
    if (!isObject(entry) || entry.type !== 'function') {
      return reject(`Only function tools can be allowed ('${path}').`, path, 'unsupported_value');
    }
    return knownName(entry.name, declarations, at(path, 'name'));
  });
}

function knownName(name: unknown, declarations: Declaration[], path: string): string {
  if (typeof name !== 'string' || !declarations.some((d) => d.name === name)) {
    return reject(`Tool choice '${String(name)}' not found in 'tools' parameter.`, path);
  }
  return name;
}
