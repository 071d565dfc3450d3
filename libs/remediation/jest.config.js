module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'remediation',
  rootDir: __dirname,
};
