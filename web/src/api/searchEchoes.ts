/**
 * Search as you type keeps the box as local state and writes the URL after a short pause. When the URL's search
 * changes, the box must follow it only if someone else changed it (the back button, "clear filters", a link):
 * the echo of our own navigation can arrive after more keys were typed (a busy machine), and must not overwrite
 * them. This remembers the searches we navigated to whose URL has not come back yet, oldest first.
 */
export class SearchEchoes {
  private pending: string[] = [];

  /** We navigate to `search`. */
  pushed(search: string): void {
    this.pending.push(search);
  }

  /** The URL now says `search`: true when it is the echo of one of ours (the box keeps its text). */
  isEcho(search: string): boolean {
    const at = this.pending.indexOf(search);
    if (at >= 0) {
      this.pending = this.pending.slice(at + 1);
      return true;
    }
    this.pending = [];
    return false;
  }
}
