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
}
