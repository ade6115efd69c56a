// Applies the @nestjs/swagger CLI plugin under ts-jest, so the OpenAPI document in tests
// matches the one `nest build` produces.
const plugin = require('@nestjs/swagger/plugin');
const options = require('../nest-cli.json').compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;
module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) => plugin.before(options, cs.program);
