import {
  All,
  Controller,
  Delete,
  Get,
  Head,
  Module,
  Options,
  Patch,
  Post,
  Put,
  forwardRef,
} from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AllowWithoutApiToken } from './allow-without-api-token.decorator';
import { stateChangingRoutes } from './state-changing-routes';

@Controller()
class ReadOnlyController {
  @Get('things') list() {}
  @Head('things') head() {}
  @Options('things') options() {}
  @EventPattern('some.topic') onCommand() {}
}

@Controller('admin')
class AdminController {
  @Get('jobs') jobs() {}
  @Post('jobs') start() {}
  @Put(['jobs/:id', 'tasks/:id']) replace() {}
  @Patch('jobs/:id') change() {}
  @Delete('/jobs/:id/') remove() {}
  @All('anything') any() {}
  @Post('webhook') @AllowWithoutApiToken('signed by the sender') webhook() {}
}

@Controller('public')
@AllowWithoutApiToken('a whole controller opted out')
class PublicController {
  @Post('ping') ping() {}
}

@Controller('base')
class BaseController {
  @Post('inherited') inherited() {}
}
@Controller('base')
class DerivedController extends BaseController {}

@Module({ controllers: [AdminController] })
class DeepModule {}
@Module({ imports: [forwardRef(() => DeepModule)] })
class MiddleModule {}
@Module({})
class DynamicHost {}

describe('stateChangingRoutes', () => {
  it('finds none in a read-only controller (GET, HEAD, OPTIONS and Kafka handlers)', () => {
    @Module({ controllers: [ReadOnlyController] })
    class ReadOnlyModule {}
    expect(stateChangingRoutes([ReadOnlyModule])).toEqual([]);
  });

  it('lists every other method with its full path, through nested, forward-referenced and dynamic modules', () => {
    const dynamic = { module: DynamicHost, imports: [MiddleModule], controllers: [DerivedController] };
    expect(stateChangingRoutes([dynamic])).toEqual([
      'ALL /admin/anything',
      'DELETE /admin/jobs/:id',
      'PATCH /admin/jobs/:id',
      'POST /admin/jobs',
      'POST /base/inherited',
      'PUT /admin/jobs/:id',
      'PUT /admin/tasks/:id',
    ]);
  });

  it('leaves out what opts out explicitly, on a handler or a controller', () => {
    @Module({ controllers: [PublicController, AdminController] })
    class Mixed {}
    const routes = stateChangingRoutes([Mixed]);
    expect(routes).not.toContain('POST /admin/webhook');
    expect(routes).not.toContain('POST /public/ping');
    expect(routes).toContain('POST /admin/jobs');
  });
});
