// Files through pchatd's file host (ISUPPORT soju.im/FILEHOST): uploads into a room
// and downloads, both with the account's credentials (HTTP Basic), which the file
// host requires. Guests have none: they can neither upload nor download.

function basic(account, password) {
  const bytes = new TextEncoder().encode(`${account}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

// A file name as a quoted-string of Content-Disposition (quotes and controls out).
function dispositionName(name) {
  return name.replace(/[\x00-\x1f"\\]/g, "_");
}

// Resolves with the file host's JSON ({id, url, name, size, msgid, ...}); rejects with
// the file host's reason.
export async function upload(fileHost, room, file, login) {
  const res = await fetch(`${fileHost.replace(/\/$/, "")}/${encodeURIComponent(room)}`, {
    method: "POST",
    headers: {
      Authorization: basic(login.account, login.password),
      "Content-Type": file.type || "application/octet-stream",
      "Content-Disposition": `attachment; filename="${dispositionName(file.name)}"`,
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
