/*
 * serial.c: the COM1 UART (16550 at I/O port 0x3f8), exo's first and always-on console. Polled
 * output; the receive side is console input's (cons_in.c).
 */
#include <exo/console.h>
#include <exo/x86.h>

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no UART interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on to set the divisor */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
    for (int spins = 0; spins < 100000 && !(inb(COM1 + 5) & 0x20); spins++)
        pause();
    outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}
