module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'jvm-probe',
  rootDir: __dirname,
};
