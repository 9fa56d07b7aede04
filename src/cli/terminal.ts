/** Colours and a spinner when writing to a terminal; plain text otherwise (a pipe, a file, CI, NO_COLOR). */
export interface Terminal {
  tty: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  write(text: string): void;
  /** Shows `text` after a spinner on the current line until `stop` (TTY only; plain output prints nothing). */
  spin(text: string): { stop(): void };
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createTerminal(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Terminal {
  const tty = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  const paint = (code: number) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    tty,
    bold: paint(1),
    dim: paint(2),
    green: paint(32),
    red: paint(31),
    yellow: paint(33),
    write: (text) => void stream.write(text),
    spin(text) {
      if (!tty) return { stop: () => undefined };
      let index = 0;
      const draw = () => stream.write(`\r${frames[index++ % frames.length]} ${text}\u001b[K`);
      draw();
      const timer = setInterval(draw, 80);
      return {
        stop() {
          clearInterval(timer);
          stream.write('\r\u001b[K');
        },
      };
    },
  };
}
