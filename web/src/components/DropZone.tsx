/** Where a package ZIP is dropped — or chosen with the file picker, which the keyboard reaches. */
import { useState, type DragEvent } from 'react';

export function DropZone({ file, onFile }: { file: File | null; onFile: (f: File | null) => void }) {
  const [over, setOver] = useState(false);
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) onFile(f);
  };
  return (
    <div
      className={`dropzone${over ? ' over' : ''}${file ? ' chosen' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <div className="dropzone-icon" aria-hidden="true">
        ⇪
      </div>
      <p className="dropzone-text">{file ? <strong>{file.name}</strong> : 'Drop the package ZIP here'}</p>
      <p className="muted small">{file ? `${formatBytes(file.size)} · drop another file or choose one to replace it` : 'or'}</p>
      <label className="button secondary file-button">
        <input
          type="file"
          className="visually-hidden"
          accept=".zip,application/zip"
          aria-describedby="package-hint"
          onChange={(e) => {
            onFile(e.target.files?.[0] ?? null);
            e.target.value = '';
          }}
        />
        {file ? 'Choose another file…' : 'Choose a file…'}
        <span className="visually-hidden"> (package ZIP)</span>
      </label>
      <p id="package-hint" className="visually-hidden">
        A package ZIP exported by assetport, ROMA Connect or SnapLogic.
      </p>
    </div>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
