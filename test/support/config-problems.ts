import { ConfigError } from '../../src/config/config-error.js';
import { parseWestwindConfig } from '../../src/config/westwind-config.js';

/** What the configuration parser refuses in `yaml`, as `field: message` lines; none when it takes it. */
export function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseWestwindConfig(yaml, 'test.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  return [];
}
