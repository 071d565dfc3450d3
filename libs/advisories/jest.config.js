module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'advisories',
  rootDir: __dirname,
};
