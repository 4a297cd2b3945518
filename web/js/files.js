// Files through pchatd's file host (ISUPPORT soju.im/FILEHOST): uploads into a room
// and downloads, both with the account's credentials (HTTP Basic), which the file
// host requires. Guests have none: they can neither upload nor download.

function basic(account, password) {
  const bytes = new TextEncoder().encode(`${account}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

// Content-Disposition for `name`: an ASCII fallback in filename= (header values must
// be Latin-1), the real name in filename*=UTF-8'' (RFC 6266, RFC 8187).
export function disposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

// Resolves with the file host's JSON ({id, url, name, size, msgid, ...}); rejects with
// the file host's reason.
export async function upload(fileHost, room, file, login) {
  const res = await fetch(`${fileHost.replace(/\/$/, "")}/${encodeURIComponent(room)}`, {
    method: "POST",
    headers: {
      Authorization: basic(login.account, login.password),
      "Content-Type": file.type || "application/octet-stream",
      "Content-Disposition": disposition(file.name),
    },
    body: file,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${file.name}: ${res.status} ${text.trim() || res.statusText}`);
  return JSON.parse(text);
}

// Downloads `url` with the credentials and hands it to the browser as a file.
export async function download(url, login) {
  const res = await fetch(url, { headers: { Authorization: basic(login.account, login.password) } });
  if (!res.ok) throw new Error(`${res.status} ${(await res.text()).trim() || res.statusText}`);
  const blob = await res.blob();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = decodeURIComponent(new URL(url).pathname.split("/").pop() || "file");
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}
