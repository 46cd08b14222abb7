/**
 * The GPIO character-device backend's public face: find chips (`listGpioChips`, for `hilbridge
 * probe`) and open one by label or path as a GpioController (`openGpioChip`). The devicetree
 * mapping lives elsewhere.
 */
export { GpiochipController, GpiochipLine, listGpioChips, openGpioChip, type OpenGpioChipOptions } from './controller';
export { describeChips, GPIO_PERMISSION_ADVICE, type GpioChipEntry } from './errors';
export { type ChipInfo, type LineInfo } from './uapi';
