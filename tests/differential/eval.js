// Oracle for tests/differential.rs: evaluates each expression (one JSON string per line of the second
// file) with the variables of the first file, in strict mode, and prints one canonical result per line.
'use strict';
const fs = require('fs');
const [varsPath, exprPath] = process.argv.slice(2);
const vars = JSON.parse(fs.readFileSync(varsPath, 'utf8'));
const names = Object.keys(vars);
const values = names.map((n) => vars[n]);

function canonical(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'number': return Object.is(v, -0) ? 'n:-0' : 'n:' + String(v);
    case 'string': return 's:' + JSON.stringify(v);
    case 'boolean': return 'b:' + v;
    default:
      if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
      return 'o:' + JSON.stringify(v);
  }
}

const out = [];
for (const line of fs.readFileSync(exprPath, 'utf8').split('\n')) {
  if (!line) continue;
  const source = JSON.parse(line);
  let result;
  try {
    result = canonical(new Function(...names, '"use strict"; return (' + source + '\n);')(...values));
  } catch (e) {
    result = 'throw:' + e.name + ': ' + e.message;
  }
  out.push(result);
}
process.stdout.write(out.join('\n') + '\n');
