/** `assetport login` and `assetport logout`. */
import type { Command } from 'commander';
import { Api } from '../client.js';
import { credentialsPath, loadCredentials, normalizeServer, removeCredentials, saveCredentials } from '../credentials.js';
import { usageError } from '../output.js';
import { readHidden } from '../prompt.js';
import { clientCommand, runAction, type CommonOptions } from './common.js';

interface LoginOptions extends CommonOptions {
  server?: string;
  user?: string;
}

async function password(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.ASSETPORT_PASSWORD !== undefined) return env.ASSETPORT_PASSWORD;
  if (!process.stdin.isTTY) throw usageError('no password: set ASSETPORT_PASSWORD, or run the command on a terminal to type it');
  return readHidden('Password: ');
}

export function sessionCommands(program: Command): void {
  clientCommand(program, 'login', 'get a token from a server and save it in your config directory (file mode 0600)', [
    'assetport login --server http://127.0.0.1:8080 --user admin',
    'ASSETPORT_PASSWORD="$PW" assetport login --server https://assetport.example --user ci',
  ])
    .option('--server <url>', 'the server (default: ASSETPORT_SERVER)')
    .option('--user <name>', 'your user name (default: ASSETPORT_USER)')
    .action(
      runAction<LoginOptions>(async (out, opts) => {
        const env = process.env;
        const serverText = opts.server ?? env.ASSETPORT_SERVER;
        const user = opts.user ?? env.ASSETPORT_USER;
        if (!serverText) throw usageError('--server is required (or ASSETPORT_SERVER)');
        if (!user) throw usageError('--user is required (or ASSETPORT_USER)');
        const server = normalizeServer(serverText);
        const t = await new Api(server).json<{ token: string; expires_at?: string }>('POST', '/tokens', { user, password: await password(env) });
        const path = saveCredentials({ server, user, token: t.token, ...(t.expires_at ? { expires_at: t.expires_at } : {}) });
        if (out.json) out.data({ server, user, expires_at: t.expires_at ?? null, saved_to: path });
        else out.line(`Logged in to ${server} as ${user}${t.expires_at ? ` (the token expires ${t.expires_at})` : ''}; saved to ${path}.`);
      }),
    );

  clientCommand(program, 'logout', 'revoke the saved token on its server and forget it here', ['assetport logout'])
    .action(
      runAction(async (out) => {
        const saved = loadCredentials();
        // Revoked first, so that a copy of the token is useless too; a server that can't be
        // reached (or a token already expired) does not keep the local copy.
        let revoked = false;
        if (saved) {
          try {
            await new Api(saved.server, saved.token).send('DELETE', '/tokens/current');
            revoked = true;
          } catch {
            revoked = false;
          }
        }
        const removed = removeCredentials();
        if (out.json) out.data({ logged_out: removed, revoked, server: saved?.server ?? null, path: credentialsPath() });
        else if (!removed) out.line('Not logged in: nothing to remove.');
        else out.line(`Logged out of ${saved?.server ?? 'the server'}: ${revoked ? 'revoked the token there and ' : 'could not revoke the token there (it stays valid until it expires); '}removed ${credentialsPath()}.`);
      }),
    );
}
