import type { GraphDirectory } from "../cloud/graph-directory.js";

/** A WARDEN_PROTECTED_USERS entry that names no user of the tenant: a setting to fix, not a moment of doubt. */
export class UnknownProtectedUser extends Error {
  constructor(readonly entry: string) {
    super(
      `WARDEN_PROTECTED_USERS names "${entry}", but the tenant has no user with that UPN: ` +
        "write each protected user's UPN as Entra shows it (a guest's is name_domain#EXT#@tenant.onmicrosoft.com) or its object id",
    );
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The protected users' object ids. WARDEN_PROTECTED_USERS may name people by UPN, but a log names them
 * however it likes (by id only, in another case, in the `#EXT#` form), and the UPN in a log can be one an
 * attacker chose: so every entry is turned into the account it names, once, and only ids are compared.
 */
export class ProtectedUsers {
  private resolved: Promise<ReadonlySet<string>> | undefined;

  constructor(
    private readonly entries: readonly string[],
    private readonly graph: Pick<GraphDirectory, "user">,
  ) {}

  /**
   * The ids, read from Graph the first time. Throws UnknownProtectedUser for an entry Graph says does
   * not exist, or Graph's error when it cannot answer; a failed read is tried again on the next call.
   */
  ids(): Promise<ReadonlySet<string>> {
    if (this.resolved === undefined) {
      const reading = this.read();
      reading.catch(() => {
        if (this.resolved === reading) this.resolved = undefined;
      });
      this.resolved = reading;
    }
    return this.resolved;
  }

  private async read(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    for (const entry of this.entries) {
      if (GUID.test(entry)) {
        ids.add(entry.toLowerCase());
        continue;
      }
      const user = await this.graph.user(entry);
      if (user === undefined) throw new UnknownProtectedUser(entry);
      ids.add(user.id.toLowerCase());
    }
    return ids;
  }
}
