/** Every exporter, by format id. */
import type { ExportFormatId } from '../../../shared/api/methods-export';
import { celebamaskHqExporter } from './celebamask-hq';
import { cocoExporter } from './coco';
import { colorPngExporter } from './color-png';
import { dmlCsrExporter } from './dml-csr';
import { facesyntheticsExporter } from './facesynthetics';
import { helenExporter } from './helen';
import { ibugmaskExporter } from './ibugmask';
import { indexPngExporter } from './index-png';
import { lapaExporter } from './lapa';
import type { Exporter } from './types';

export const EXPORTERS: Record<ExportFormatId, Exporter> = {
  'celebamask-hq': celebamaskHqExporter,
  lapa: lapaExporter,
  helen: helenExporter,
  ibugmask: ibugmaskExporter,
  facesynthetics: facesyntheticsExporter,
  'index-png': indexPngExporter,
  'color-png': colorPngExporter,
  coco: cocoExporter,
  'dml-csr': dmlCsrExporter,
};
