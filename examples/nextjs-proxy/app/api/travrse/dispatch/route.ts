// The Travrse docs' Next.js App Router proxy, pointed at Flowrun: the browser calls /api/travrse/dispatch and never
// sees the key. Two names changed: the URL (FLOWRUN_URL instead of https://api.travrse.ai) and the key's variable
// (FLOWRUN_API_KEY instead of TRAVRSE_API_KEY, the name every Flowrun example and command reads).
export async function POST(req: Request) {
  const apiKey = process.env.FLOWRUN_API_KEY!;
  const body = await req.json();

  const res = await fetch(`${process.env.FLOWRUN_URL ?? 'http://127.0.0.1:8787'}/v1/dispatch`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${apiKey}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(body),
  });

  return new Response(res.body, {
    status: res.status,
    headers: {
      'Content-Type': res.headers.get('content-type') || 'application/json',
      'Cache-Control': 'no-store',
    },
  });
}
