/** `W/"3"` for version id `3`, as `If-Match` wants it; an ETag that is already weak goes as it is. */
export function weakETag(versionOrETag: string): string {
  return versionOrETag.startsWith('W/') ? versionOrETag : `W/"${versionOrETag}"`;
}
