/** The commands of `lark-im airbyte` (Airbyte's connector protocol) and their flags: command.ts parses them, run.ts runs them. */
export const AIRBYTE_COMMANDS = ['spec', 'check', 'discover', 'read', 'write'] as const;

export interface AirbyteFlags {
  config?: string;
  catalog?: string;
  state?: string;
}
