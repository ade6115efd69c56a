import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { ProblemException } from '../common/problem.js';
import { parseJsonBody } from '../common/validation.pipe.js';
import { OpenAdrNotificationDto } from './dto/openadr-notification.dto.js';
import { OpenAdrRequest, OpenAdrTokenGuard } from './openadr-token.guard.js';
import { OpenAdrService } from './openadr.service.js';

@ApiTags('grid signals')
@ApiBearerAuth()
@UseGuards(OpenAdrTokenGuard)
@Controller('v1/webhooks/openadr')
export class OpenAdrController {
  constructor(private readonly openadr: OpenAdrService) {}

  /** OpenADR 3 notification (EVENT POST/PUT/DELETE) from a VTN subscription. */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: OpenAdrNotificationDto })
  async notify(@Req() request: OpenAdrRequest, @Body() raw: Buffer) {
    const notification = await parseJsonBody(raw, OpenAdrNotificationDto, true);
    return this.openadr.notify(request.subscription!, notification);
  }

  /** OpenADR 3.1 subscription check: answers with the `echo` value. */
  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  echo(@Query('echo') echo: unknown): string {
    if (typeof echo !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(echo)) {
      throw ProblemException.invalid(400, [{ field: 'echo', message: 'must be 1-256 printable characters' }]);
    }
    return echo;
  }
}
