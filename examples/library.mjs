import { boot } from 'hilbridge';

const hb = await boot(); // the embedded mock board (dts/mock.dts); boot({ board: 'my.dts' }) for yours
const eeprom = await hb.openEeprom('eeprom0'); // served by its user-mode driver thread
await eeprom.write(0x3c, new TextEncoder().encode('across a page boundary')); // split, written, verified
const back = await eeprom.read(0x3c, 22);
console.log(new TextDecoder().decode(back), await eeprom.status());
const { syscalls, bySyscall } = hb.stats();
console.log(`${syscalls} syscalls through the permission-checked layer:`, bySyscall);
await hb.shutdown();
