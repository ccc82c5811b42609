// The project's jest configuration (package.json) without what a mutant run does not need: coverage,
// the junit report and the emulator suites (moto_server tests are slow and belong to CI).
const { jest } = require('./package.json');

module.exports = {
  ...jest,
  collectCoverage: false,
  reporters: ['default'],
  testPathIgnorePatterns: [...jest.testPathIgnorePatterns, 'emulator'],
};
