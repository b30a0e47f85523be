import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** An expected failure: printed as one line on stderr, never with a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.error) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad command line; `command` names the help page to point the user at. */
export class UsageError extends CliError {
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
    this.command = command;
  }
}
