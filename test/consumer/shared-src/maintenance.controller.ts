import { Controller, HttpCode, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { clearExpired } from './subpaths.js';

@Controller('maintenance')
export class MaintenanceController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('clear-expired')
  @HttpCode(200)
  clearExpired() {
    return clearExpired(this.dataSource);
  }
}
