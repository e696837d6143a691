import { fileTypeFromBuffer } from 'file-type';
import sharp, { type OutputInfo, type Sharp } from 'sharp';

/** Enough of a file's start for every signature file-type knows. */
export const SNIFF_BYTES = 4100;

/** What is not recognised from its bytes is a plain download, whatever it was called. */
export const UNKNOWN_TYPE = 'application/octet-stream';

/** Raster images browsers show; everything else (SVG and HTML included) is only ever a download. */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** What the image library reads here: the inline types, and HEIC/HEIF when its build decodes them. */
const IMAGE_TYPES = new Set([...INLINE_TYPES, 'image/heic', 'image/heif']);

/** Decoding stops past this many pixels (an image bomb): 100 megapixels. */
const MAX_INPUT_PIXELS = 100_000_000;

export const THUMBNAIL_EDGE = 400;
export const PREVIEW_EDGE = 1600;

export const isInlineType = (contentType: string) => INLINE_TYPES.has(contentType);

/** The type of a file from its first bytes (`SNIFF_BYTES`), never from its name or the type claimed. */
export async function sniffType(start: Uint8Array): Promise<string> {
  return (await fileTypeFromBuffer(start))?.mime ?? UNKNOWN_TYPE;
}

export const mayBeImage = (contentType: string) => IMAGE_TYPES.has(contentType);

export interface ProcessedImage {
  /** Oriented and re-encoded: no EXIF, GPS, XMP or IPTC left. */
  original: Buffer;
  contentType: string;
  width: number;
  height: number;
  thumbnail: Buffer;
  preview: Buffer;
}

/**
 * Applies the orientation, re-encodes the image without its metadata (sharp writes none unless
 * asked), and makes a WebP thumbnail and preview. Decoding runs on libuv's threads, not the event
 * loop. Null when the bytes do not decode as an image: the file is then kept as a plain file.
 */
export async function processImage(bytes: Buffer, contentType: string): Promise<ProcessedImage | null> {
  const animated = contentType === 'image/gif' || contentType === 'image/webp';
  try {
    const oriented = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, animated }).rotate();
    const outputType = INLINE_TYPES.has(contentType) ? contentType : 'image/jpeg';
    const scaled = (edge: number) =>
      oriented
        .clone()
        .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
    const [original, thumbnail, preview] = await Promise.all([
      reencode(oriented.clone(), outputType).toBuffer({ resolveWithObject: true }),
      scaled(THUMBNAIL_EDGE),
      scaled(PREVIEW_EDGE),
    ]);
    const { width, pageHeight, height } = original.info as OutputInfo & { pageHeight?: number };
    return {
      original: original.data,
      contentType: outputType,
      width,
      height: pageHeight ?? height,
      thumbnail,
      preview,
    };
  } catch {
    return null;
  }
}

function reencode(image: Sharp, contentType: string): Sharp {
  switch (contentType) {
    case 'image/png':
      return image.png();
    case 'image/webp':
      return image.webp({ quality: 90 });
    case 'image/gif':
      return image.gif();
    case 'image/avif':
      return image.avif();
    default:
      return image.jpeg({ quality: 90 });
  }
}

/**
 * An avatar: the image oriented, cropped square around its centre and scaled to each of
 * `edges`, as WebP without metadata (its first frame, if animated). Null when it does not decode.
 */
export async function processAvatar<Edge extends number>(bytes: Buffer, edges: readonly Edge[]): Promise<Map<Edge, Buffer> | null> {
  try {
    const oriented = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    const squares = await Promise.all(
      edges.map((edge) =>
        oriented.clone().resize({ width: edge, height: edge, fit: 'cover', position: 'centre' }).webp({ quality: 85 }).toBuffer(),
      ),
    );
    return new Map(edges.map((edge, index) => [edge, squares[index]!]));
  } catch {
    return null;
  }
}
