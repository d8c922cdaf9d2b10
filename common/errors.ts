// The one error class every package shares: an error caused by what the user gave (a file, a
// flag, a value). The CLI prints its message as one line and exits 2; any other error is a bug.
// Library code words its messages in terms of values, not of command-line flags (the CLI maps).

export class UserError extends Error {
  override name = 'UserError';
}

/**
 * A bad value of one named option of a library call (a generator's `width`, a campaign's `shard`):
 * the message is `<option> <problem>`; the CLI words it with the option's flag instead.
 */
export class OptionError extends UserError {
  override name = 'OptionError';
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`${option}${problem.startsWith(':') ? '' : ' '}${problem}`);
  }

  /** The message with the option called `name` instead (the CLI: its flag). */
  as(name: string): string {
    return name + this.message.slice(this.option.length);
  }
}
