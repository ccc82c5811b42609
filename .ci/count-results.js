// Builds CI's closing line from what the test runners themselves reported:
// jest through jest-junit's XML (every report in the folder: the floor's run and the newest aws-cdk-lib's run),
// integ-runner through its "Snapshot Results" summary.
// A failing step that counts no test (npm ci, type-check, eslint, cfn-lint) still counts as one failure.
const fs = require('fs');
const path = require('path');

const [junitDir, logPath, exitStatus, exampleStatus = '0'] = process.argv.slice(2);

function jestCounts() {
  if (!fs.existsSync(junitDir)) return { passed: 0, failed: 0 };
  return fs.readdirSync(junitDir)
    .filter((file) => file.endsWith('.xml'))
    .map((file) => junitCounts(fs.readFileSync(path.join(junitDir, file), 'utf8')))
    .reduce((sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed }), { passed: 0, failed: 0 });
}

function junitCounts(xml) {
  const root = xml.match(/<testsuites\b[^>]*>/)?.[0] ?? '';
  const attr = (name) => Number((root.match(new RegExp(`\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0);
  // a skipped test proves nothing: it is neither passed nor hidden
  const skipped = [...xml.matchAll(/<testsuite\b[^>]*\bskipped="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const failed = attr('failures') + attr('errors') + skipped;
  return { passed: attr('tests') - attr('failures') - skipped, failed };
}

function integCounts() {
  const log = fs.readFileSync(logPath, 'utf8');
  const summary = log.split('Snapshot Results:')[1]?.match(/Tests:[^\n]*/)?.[0] ?? '';
  const count = (word) => Number((summary.match(new RegExp(`(\\d+) ${word}`)) ?? [])[1] ?? 0);
  return { passed: count('passed'), failed: count('failed') };
}

const jest = jestCounts();
const integ = integCounts();
const passed = jest.passed + integ.passed;
let failed = jest.failed + integ.failed;
if (Number(exitStatus) !== 0 && failed === 0) {
  failed = 1;
  console.log('A step without counted tests failed (npm ci, type-check, eslint, integ-runner or cfn-lint): see above.');
}
if (Number(exampleStatus) !== 0) {
  failed += 1;
  console.log("The README's example command failed: see its output at the top.");
}
console.log(`jest: ${jest.passed} passed, ${jest.failed} failed; integ snapshots: ${integ.passed} passed, ${integ.failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
