// What the browser tests share: their command-line arguments and a check that records a pass or
// a failure and goes on, so one run reports every broken expectation.
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) {
    if (fallback === undefined) throw new Error(`missing --${name}`);
    return fallback;
  }
  return process.argv[i + 1];
}

export const results = { passes: 0, failures: 0 };

export function check(name, fn) {
  try {
    fn();
    results.passes++;
    console.log(`ok   ${name}`);
  } catch (e) {
    results.failures++;
    console.log(`FAIL ${name}\n     ${e.message.split('\n').join('\n     ')}`);
  }
}
