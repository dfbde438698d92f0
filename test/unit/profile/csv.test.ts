import { parse } from 'csv-parse/sync';
import { CsvReader, recordObject } from '../../../functions/profile/csv';

/** Our reader over `text` cut into chunks of `size` bytes, rows named by the header. */
function read(text: string, size: number): Array<[number, Record<string, string>]> {
  const bytes = Buffer.from(text);
  const reader = new CsvReader();
  const records = [];
  for (let at = 0; at < bytes.length; at += size) records.push(...reader.push(bytes.subarray(at, at + size)));
  records.push(...reader.end());
  const [header, ...rest] = records;
  return rest.map((r) => [r.line, recordObject(header!.fields, r.fields)]);
}

/** What csv-parse gives with the settings ingestion used before this reader. */
function reference(text: string): Array<[number, Record<string, string>]> {
  const options = {
    columns: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true,
  } as const;
  return (parse(text, options) as Array<{ info: { lines: number }; record: Record<string, string> }>).map(
    (r) => [r.info.lines, r.record],
  );
}

const files = {
  plain: 'a,b,c\n1,2,3\n4,5,6\n',
  'no final line break': 'a,b,c\n1,2,3\n4,5,6',
  crlf: 'a,b\r\n1,2\r\n\r\n3,4\r\n',
  'bare CR': 'a,b\r1,2\r3,4',
  bom: '\ufeffa,b\n1,2\n',
  'empty lines and a line of separators': 'a,b\n\n1,2\n\n,\n3,4\n\n',
  'short and long rows': 'a,b,c\n1,2\n3,4,5,6\n',
  'quoted separators, line breaks and doubled quotes': 'a,b\n"x,y","line\nbreak"\n"say ""hi""",2\n',
  'a stray quote inside an unquoted field': 'a,b\nab"c,d\n',
  'non-ASCII text': 'name,city\nJosé,Zürich\n李,北京\n',
  'empty quoted field': 'a,b\n"",2\n',
};

describe('CsvReader', () => {
  for (const [name, text] of Object.entries(files)) {
    it(`reads like csv-parse: ${name}, whole and in chunks of every size`, () => {
      const expected = reference(text);
      for (const size of [1, 2, 3, 5, 7, 64]) expect(read(text, size)).toEqual(expected);
    });
  }

  it('counts a CRLF inside quotes as one line (csv-parse counts two)', () => {
    expect(read('a,b\r\n"x\r\ny",2\r\n3,4\r\n', 3).map(([line]) => line)).toEqual([3, 4]);
  });

  it('keeps one unfinished record between chunks, not the text before it', () => {
    const reader = new CsvReader();
    expect(reader.push('a,b\n1,2\n3,')).toHaveLength(2);
    expect(reader.push('4\n')).toEqual([{ line: 3, fields: ['3', '4'] }]);
  });
});
