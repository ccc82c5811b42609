// Prints one of the README's two fresh-machine commands (`example` or `test`), taken from the first `sh` block
// under "## Developing: a fresh machine": CI runs exactly what a newcomer is told to run, so the two cannot drift.
const fs = require('fs');
const path = require('path');

const which = process.argv[2];
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const section = readme.split(/^## Developing: a fresh machine$/m)[1] ?? '';
const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
const commands = block
  .split('\n')
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter((line) => line.length > 0);
const command = { example: commands[0], test: commands[1] }[which];
if (commands.length !== 2 || command === undefined) {
  console.error(`README.md: expected two commands (example, test) in the sh block of "Developing: a fresh machine", found ${commands.length}`);
  process.exit(2);
}
console.log(command);
