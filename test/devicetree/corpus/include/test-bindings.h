/* A dt-bindings style header: guards, object-like and function-like macros. */
#ifndef TEST_BINDINGS_H
#define TEST_BINDINGS_H

#define GPIO_ACTIVE_HIGH 0
#define GPIO_ACTIVE_LOW 1
#define EEPROM_SIZE (32 * 1024)
#define PAGE_SIZE 64
#define SPI_HZ(mhz) ((mhz) * 1000000)
#define IRQ(type, num) type num

#endif
