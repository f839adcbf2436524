/** How transports get image pixels: by image id only, so nothing outside the open project is served. */
export interface MediaResponse {
  body: Buffer;
  mime: string;
}

export interface MediaSource {
  /** The original image, converted to PNG when the browser cannot decode its format (TIFF). */
  image(imageId: number): Promise<MediaResponse>;
  /** A small preview (longest side 256 px, WebP), cached beside the project. */
  thumb(imageId: number): Promise<MediaResponse>;
  /** The thumbnail with one revision's mask over it in the class colours (WebP), by revision id. */
  overlay(revisionId: number): Promise<MediaResponse>;
}
