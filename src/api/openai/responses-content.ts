import type { Part } from '../../wire/types.js';
import { at, isObject } from './fields.js';
import { reject } from './responses-error.js';

/**
 * The content of one Responses message (a string, or typed parts) → Gemini parts. Media given inline (data
 * URLs, base64 file data) becomes inlineData; media given by URL becomes fileData for Gemini to fetch. OpenAI
 * file ids name files in OpenAI's own store, which Gemini cannot reach: those are refused, not dropped.
 */
export function contentParts(content: unknown, path: string): Part[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  if (!Array.isArray(content)) reject(`Invalid type for '${path}': expected a string or an array.`, path);
  const parts: Part[] = [];
  content.forEach((item, i) => {
    const part = contentPart(item, at(path, i));
    if (part) parts.push(part);
  });
  return parts;
}

function contentPart(item: unknown, path: string): Part | undefined {
  if (!isObject(item)) return reject(`Invalid type for '${path}': expected an object.`, path);
  switch (item.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return textPart(item.text, at(path, 'text'));
    case 'refusal':
      return textPart(item.refusal, at(path, 'refusal'));
    case 'input_image':
      return imagePart(item, path);
    case 'input_file':
      return filePart(item, path);
    case 'input_audio':
      return audioPart(item.input_audio, at(path, 'input_audio'));
    default:
      return reject(
        `Content type '${String(item.type)}' at '${path}' is not supported by this gateway.`,
        at(path, 'type'),
        'unsupported_value',
      );
  }
}

function textPart(text: unknown, path: string): Part | undefined {
  if (typeof text !== 'string') return reject(`Invalid type for '${path}': expected a string.`, path);
  return text ? { text } : undefined;
}

function imagePart(item: Record<string, unknown>, path: string): Part {
  if (typeof item.image_url === 'string') return mediaFromUrl(item.image_url, at(path, 'image_url'));
  if (item.file_id != null) return noFileIds(path);
  return reject(`Missing required parameter: '${at(path, 'image_url')}'.`, at(path, 'image_url'));
}

function filePart(item: Record<string, unknown>, path: string): Part {
  const filename = typeof item.filename === 'string' ? item.filename : undefined;
  if (typeof item.file_data === 'string') {
    const inline = dataUrl(item.file_data);
    if (inline) return inline;
    const mimeType = filename ? mimeFromName(filename) : undefined;
    if (mimeType) return { inlineData: { mimeType, data: item.file_data } };
    return reject(
      `'${at(path, 'file_data')}' must be a data URL (data:<type>;base64,…) or come with a filename whose ` +
        'extension names its type.',
      at(path, 'file_data'),
    );
  }
  if (typeof item.file_url === 'string') return mediaFromUrl(item.file_url, at(path, 'file_url'));
  if (item.file_id != null) return noFileIds(path);
  return reject(`Missing required parameter: '${at(path, 'file_data')}'.`, at(path, 'file_data'));
}

const AUDIO_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

function audioPart(audio: unknown, path: string): Part {
  const format = isObject(audio) && typeof audio.format === 'string' ? AUDIO_TYPES[audio.format] : undefined;
  if (!isObject(audio) || typeof audio.data !== 'string' || !format) {
    return reject(`'${path}' must be {data: <base64>, format: "wav" | "mp3"}.`, path);
  }
  return { inlineData: { mimeType: format, data: audio.data } };
}

function mediaFromUrl(url: string, path: string): Part {
  const inline = dataUrl(url);
  if (inline) return inline;
  if (!/^https?:\/\//i.test(url)) return reject(`'${path}' must be a data URL or an http(s) URL.`, path);
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return reject(`'${path}' is not a valid URL.`, path);
  }
  const mimeType = mimeFromName(pathname);
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

function dataUrl(url: string): Part | undefined {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return m ? { inlineData: { mimeType: m[1]!, data: m[2]! } } : undefined;
}

function noFileIds(path: string): never {
  return reject(
    `'${at(path, 'file_id')}' names a file in OpenAI's file store, which this gateway cannot reach; send the ` +
      'content inline (a data URL) or by URL.',
    at(path, 'file_id'),
    'unsupported_value',
  );
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

function mimeFromName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : MIME_BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}
