import type { AttachmentView } from '../../domain/messages.ts';

/** An old client knows no attachments: each shows as a line with its name and link after the body. */
export const withFileLinks = (body: string, attachments: readonly AttachmentView[] = []) =>
  [body, ...attachments.map((file) => `📎 ${file.filename}: /files/${file.id}`)].filter(Boolean).join('\n');
