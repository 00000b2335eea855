/** "1 message", "2 messages", "0 chats": a count with its noun in the right number (English plurals in -s). */
export function counted(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}
