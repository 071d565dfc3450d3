module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'hunt',
  rootDir: __dirname,
};
