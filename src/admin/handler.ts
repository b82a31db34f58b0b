/** Placeholder: the admin API is being built (issue 3). Exported so packaging works meanwhile. */
export const handler = async () => ({
  statusCode: 501,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: { code: 'not_implemented', message: 'admin API not built yet' } }),
});
