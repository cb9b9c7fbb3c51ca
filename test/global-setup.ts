// CLI tests spawn the bundled CLI, as hooks do; build it from the current sources first.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-cli.ts', import.meta.url))], { stdio: 'inherit' });
}
