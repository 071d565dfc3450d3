module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'quarantine',
  rootDir: __dirname,
};
