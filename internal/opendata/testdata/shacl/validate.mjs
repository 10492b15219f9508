// Validates an RDF file (Turtle or JSON-LD, by extension) against SHACL
// shapes: node validate.mjs SHAPES... DATA
// Prints one line per result ("Violation|Warning|Info <focus> <path>: message")
// and exits 1 when there is a Violation, 2 on a usage or parse error.
import rdf from '@zazuko/env-node'
import SHACLValidator from 'rdf-validate-shacl'

const args = process.argv.slice(2)
if (args.length < 2) {
  console.error('usage: node validate.mjs SHAPES... DATA')
  process.exit(2)
}
const dataFile = args.pop()
try {
  const shapes = rdf.dataset()
  for (const f of args) {
    await shapes.import(rdf.fromFile(f))
  }
  const data = await rdf.dataset().import(rdf.fromFile(dataFile))
  if (data.size === 0) {
    console.error(`${dataFile}: no triples`)
    process.exit(2)
  }
  const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data)
  let violations = 0
  for (const r of report.results) {
    const severity = r.severity ? r.severity.value.replace('http://www.w3.org/ns/shacl#', '') : 'Violation'
    if (severity === 'Violation') violations++
    const msg = r.message.map((m) => m.value).join('; ')
    console.log(`${severity} ${r.focusNode?.value} ${r.path?.value ?? ''}: ${msg}`)
  }
  console.log(`triples: ${data.size}, results: ${report.results.length}, violations: ${violations}`)
  process.exit(violations > 0 ? 1 : 0)
} catch (e) {
  console.error(String(e?.stack ?? e))
  process.exit(2)
}
