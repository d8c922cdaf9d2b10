// The one error class every package shares: an error caused by what the user gave (a file, a
// flag, a value). The CLI prints its message as one line and exits 2; any other error is a bug.
// Library code words its messages in terms of values, not of command-line flags (the CLI maps).

export class UserError extends Error {
  override name = 'UserError';
}
