/**
 * A streaming CSV reader for uploads (RFC 4180 with the leniency real exports need), written
 * for the ingestion hot loop: text is decoded once per chunk, fields are sliced out of it
 * (unquoted fields without copying character by character), and complete records are handed
 * back a chunk at a time, so a file costs no promise and no parser object per row.
 *
 * Rules, as the csv-parse settings ingestion used before (`bom`, `skip_empty_lines`,
 * `relax_column_count`, `relax_quotes`):
 * - a UTF-8 byte-order mark at the start is dropped; records end at LF, CRLF or CR;
 * - a field starting with `"` is quoted: `""` inside it is one `"`, separators and line
 *   breaks inside it are data; text after the closing quote, up to the next separator, is
 *   kept as it is (a stray quote is data);
 * - a `"` inside an unquoted field is data;
 * - a line with no characters at all is skipped (a line of separators is a record of empty
 *   fields);
 * - with a header, a record with fewer fields than the header lacks the missing keys, and
 *   fields beyond the header are dropped.
 * Line numbers are 1-based and count physical lines (a quoted line break starts a new one);
 * a record's line is the one it ends on.
 *
 * State between chunks: the unfinished record's fields and the text of its unfinished field,
 * so memory is bounded by the longest record, not by the file.
 */

/** One record with the line it ends on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

export class CsvReader {
  private readonly decoder = new TextDecoder('utf-8');
  private started = false;
  /** Text not yet consumed (an unfinished record at the end of the last chunk). */
  private pending = '';
  /** Physical line of the next character of `pending`. */
  private line = 1;
  /** Whether the last chunk ended just after a CR, so a leading LF belongs to it. */
  private afterCr = false;

  /** Decode a chunk and return the records it completes. */
  push(chunk: Uint8Array | string): CsvRecord[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return this.parse(this.pending + text, false);
  }

  /** The records left when the input ends (a last line without a line break). */
  end(): CsvRecord[] {
    return this.parse(this.pending + this.decoder.decode(), true);
  }

  /**
   * Parses every complete record of `text`; what follows the last one is kept in `pending`
   * (at the end of input, it is a record too). Re-scanning an unfinished record when the next
   * chunk arrives costs at most one record per chunk.
   */
  private parse(text: string, final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const length = text.length;
    let at = 0;
    if (this.afterCr && length > 0 && text.charCodeAt(0) === 10) at = 1;
    this.afterCr = false;
    let line = this.line;
    while (at < length) {
      const start = at;
      const startLine = line;
      const fields: string[] = [];
      let complete = false;
      let recordLine = line;
      // One record: fields until a line break outside quotes.
      for (;;) {
        if (at < length && text.charCodeAt(at) === 34) {
          // Quoted field.
          let value = '';
          let from = at + 1;
          let i = from;
          let closed = false;
          while (i < length) {
            const c = text.charCodeAt(i);
            if (c === 34) {
              if (i + 1 < length && text.charCodeAt(i + 1) === 34) {
                value += text.slice(from, i + 1);
                i += 2;
                from = i;
                continue;
              }
              if (i + 1 >= length && !final) break; // a doubled quote may follow in the next chunk
              value += text.slice(from, i);
              i++;
              closed = true;
              break;
            }
            if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
            i++;
          }
          if (!closed) {
            if (!final) break; // unfinished: wait for more text
            value += text.slice(from, i); // an unterminated quote runs to the end of the file
            at = i;
          } else {
            at = i;
            // Text after the closing quote, up to the separator, is kept (relaxed quotes).
            let end = at;
            while (end < length) {
              const c = text.charCodeAt(end);
              if (c === 44 || c === 10 || c === 13) break;
              end++;
            }
            if (end === length && !final) break;
            if (end > at) value += text.slice(at, end);
            at = end;
          }
          fields.push(value);
        } else {
          let end = at;
          while (end < length) {
            const c = text.charCodeAt(end);
            if (c === 44 || c === 10 || c === 13) break;
            end++;
          }
          if (end === length && !final) break;
          fields.push(text.slice(at, end));
          at = end;
        }
        if (at >= length) {
          complete = true; // end of input
          recordLine = line;
          break;
        }
        const c = text.charCodeAt(at);
        if (c === 44) {
          at++;
          continue;
        }
        // Line break: CRLF, LF or CR (a CR at the end of a chunk may be followed by LF).
        at++;
        if (c === 13) {
          if (at < length) {
            if (text.charCodeAt(at) === 10) at++;
          } else if (!final) {
            this.afterCr = true;
          }
        }
        recordLine = line;
        line++;
        complete = true;
        break;
      }
      if (!complete) {
        this.pending = text.slice(start);
        this.line = startLine;
        this.afterCr = false;
        return out;
      }
      // A line with no characters at all is skipped.
      const first = text.charCodeAt(start);
      if (!(fields.length === 1 && (first === 10 || first === 13))) out.push({ line: recordLine, fields });
    }
    this.pending = '';
    this.line = line;
    return out;
  }
}

/**
 * Names each record's fields by the header (the first record, or `columns` for files without
 * one). Fields beyond the header are dropped; missing ones are absent.
 */
export function recordObject(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const row: Record<string, string> = {};
  const count = fields.length < columns.length ? fields.length : columns.length;
  for (let i = 0; i < count; i++) row[columns[i]!] = fields[i]!;
  return row;
}
